package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.VhostUserException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One vhost-user message in a reusable buffer, read and written in place (flyweight): a 12-byte
 * header (request u32, flags u32, size u32) followed by at most {@link #MAX_PAYLOAD} payload bytes.
 * vhost-user is host-endian; every supported host is little-endian. Payload accessors take offsets
 * from the {@code *_OFFSET} constants below and are bounds-checked against the declared size, so a
 * short payload can never be read past what the peer sent.
 */
public final class Message {
    /** Bytes of the header: request, flags, size (u32 each). */
    public static final int HEADER_SIZE = 12;
    /** Offset of the request id in the header. */
    public static final int REQUEST_OFFSET = 0;
    /** Offset of the flags in the header. */
    public static final int FLAGS_OFFSET = 4;
    /** Offset of the payload size in the header. */
    public static final int SIZE_OFFSET = 8;
    /** Largest payload accepted; the memory table (8 + 8 * 32) and config space (12 + 256) fit. */
    public static final int MAX_PAYLOAD = 4096;

    /** Flags: protocol version 1 in bits 0-1. */
    public static final int VERSION = 0x1;
    /** Flags: the version bits. */
    public static final int VERSION_MASK = 0x3;
    /** Flags: this is a reply. */
    public static final int REPLY = 0x4;
    /** Flags: the sender wants a REPLY_ACK. */
    public static final int NEED_REPLY = 0x8;
    /** Flags bits this implementation knows; others are rejected. */
    public static final int KNOWN_FLAGS = VERSION_MASK | REPLY | NEED_REPLY;

    /** u64 payload. */
    public static final int U64_SIZE = 8;
    /** struct vhost_vring_state: u32 index, u32 num. */
    public static final int VRING_STATE_SIZE = 8;
    /** Offset of {@code index} in a vring state payload. */
    public static final int STATE_INDEX = 0;
    /** Offset of {@code num} in a vring state payload: a size, a base or an enable flag. */
    public static final int STATE_NUM = 4;
    /** struct vhost_vring_addr: u32 index, u32 flags, u64 desc, used, avail, log (user addresses). */
    public static final int VRING_ADDR_SIZE = 40;
    /** Offset of {@code index} in a vring address payload. */
    public static final int ADDR_INDEX = 0;
    /** Offset of {@code flags} in a vring address payload (bit 0: log the used ring). */
    public static final int ADDR_FLAGS = 4;
    /** Offset of the descriptor table's front-end address. */
    public static final int ADDR_DESC = 8;
    /** Offset of the used ring's front-end address. */
    public static final int ADDR_USED = 16;
    /** Offset of the available ring's front-end address. */
    public static final int ADDR_AVAIL = 24;
    /** Offset of the used ring's guest-physical address for dirty logging. */
    public static final int ADDR_LOG = 32;
    /** VhostUserMemory: u32 nregions, u32 padding, then regions of 32 bytes. */
    public static final int MEM_NREGIONS = 0;
    /** Offset of the first region in a memory table payload. */
    public static final int MEM_REGIONS = 8;
    /** Bytes of one memory region. */
    public static final int REGION_SIZE = 32;
    /** Offset of a region's guest-physical address. */
    public static final int REGION_GUEST_ADDR = 0;
    /** Offset of a region's size. */
    public static final int REGION_MEMORY_SIZE = 8;
    /** Offset of a region's front-end (QEMU) virtual address. */
    public static final int REGION_USER_ADDR = 16;
    /** Offset of a region's offset in its fd. */
    public static final int REGION_MMAP_OFFSET = 24;
    /** VhostUserMemRegMsg (ADD/REM_MEM_REG): u64 padding then one region. */
    public static final int SINGLE_REGION_SIZE = 8 + REGION_SIZE;
    /** Offset of the region in an ADD/REM_MEM_REG payload. */
    public static final int SINGLE_REGION = 8;
    /** VhostUserLog: u64 mmap_size, u64 mmap_offset. */
    public static final int LOG_SIZE = 16;
    /** Offset of the log's size in a SET_LOG_BASE payload. */
    public static final int LOG_MMAP_SIZE = 0;
    /** Offset of the log's offset in its fd in a SET_LOG_BASE payload. */
    public static final int LOG_MMAP_OFFSET = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final MemorySegment buffer;

    /** A message buffer with room for a header and the largest payload. */
    public Message(Arena arena) {
        this.buffer = arena.allocate(HEADER_SIZE + MAX_PAYLOAD, 8);
    }

    /** The whole buffer (header then payload). */
    public MemorySegment buffer() {
        return buffer;
    }

    /** The request id in the header. */
    public int request() {
        return buffer.get(U32, REQUEST_OFFSET);
    }

    /** The header's flags. */
    public int flags() {
        return buffer.get(U32, FLAGS_OFFSET);
    }

    /** The declared payload size, as the peer sent it (unsigned; may be huge). */
    public long size() {
        return Integer.toUnsignedLong(buffer.get(U32, SIZE_OFFSET));
    }

    /** Header plus declared payload, for a message whose size is already validated. */
    public int totalLength() {
        return HEADER_SIZE + (int) size();
    }

    /** Whether the sender set {@link #NEED_REPLY} (REPLY_ACK). */
    public boolean needsReply() {
        return (flags() & NEED_REPLY) != 0;
    }

    /** Writes a header; {@code size} must be at most {@link #MAX_PAYLOAD}. */
    public Message header(int request, int flags, int size) {
        if (size < 0 || size > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload size " + size);
        }
        buffer.set(U32, REQUEST_OFFSET, request);
        buffer.set(U32, FLAGS_OFFSET, flags);
        buffer.set(U32, SIZE_OFFSET, size);
        return this;
    }

    /** Payload u32 at {@code offset}; the read must lie inside the declared size. */
    public int u32(int offset) {
        checkPayload(offset, 4);
        return buffer.get(U32, HEADER_SIZE + offset);
    }

    /** Payload u64 at {@code offset}; the read must lie inside the declared size. */
    public long u64(int offset) {
        checkPayload(offset, 8);
        return buffer.get(U64, HEADER_SIZE + offset);
    }

    /** Writes a payload u32; the write must lie inside the declared size. */
    public Message u32(int offset, int value) {
        checkPayload(offset, 4);
        buffer.set(U32, HEADER_SIZE + offset, value);
        return this;
    }

    /** Writes a payload u64; the write must lie inside the declared size. */
    public Message u64(int offset, long value) {
        checkPayload(offset, 8);
        buffer.set(U64, HEADER_SIZE + offset, value);
        return this;
    }

    /** Payload byte at {@code offset}. */
    public byte u8(int offset) {
        checkPayload(offset, 1);
        return buffer.get(ValueLayout.JAVA_BYTE, HEADER_SIZE + offset);
    }

    private void checkPayload(int offset, int width) {
        // Bounds: the declared size is <= MAX_PAYLOAD once validated, and the buffer holds MAX_PAYLOAD.
        long size = Math.min(size(), MAX_PAYLOAD);
        if (offset < 0 || offset + (long) width > size) {
            throw VhostUserException.rejected("payload field at " + offset + "+" + width
                    + " lies outside the " + size() + "-byte payload of request " + request());
        }
    }
}
