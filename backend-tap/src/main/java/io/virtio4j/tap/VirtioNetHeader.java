package io.virtio4j.tap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Flyweight over the 12-byte {@code struct virtio_net_hdr_mrg_rxbuf} (linux/virtio_net.h), the
 * header used with VIRTIO_F_VERSION_1 whether or not MRG_RXBUF is negotiated. All 16-bit fields
 * are little-endian ({@code __virtio16} under VERSION_1, and TUNSETVNETLE is not needed on x86-64).
 * One instance is re-pointed with {@link #wrap} per frame: no allocation per packet.
 */
public final class VirtioNetHeader {
    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int HDR_LEN = 2;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int CSUM_OFFSET = 8;
    public static final int NUM_BUFFERS = 10;
    public static final int SIZE = 12;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int F_RSC_INFO = 4;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    /** Points this flyweight at the header starting at {@code offset} of {@code target}. */
    public VirtioNetHeader wrap(MemorySegment target, long offset) {
        if (offset < 0 || offset > target.byteSize() - SIZE) {
            throw new IndexOutOfBoundsException("virtio-net header at " + offset + " does not fit in " + target.byteSize() + " bytes");
        }
        this.segment = target;
        this.offset = offset;
        return this;
    }

    // Every accessor below reads or writes inside [offset, offset + SIZE), which wrap() checked.

    public int flags() {
        return segment.get(ValueLayout.JAVA_BYTE, offset + FLAGS) & 0xff;
    }

    public VirtioNetHeader flags(int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset + FLAGS, (byte) value);
        return this;
    }

    public int gsoType() {
        return segment.get(ValueLayout.JAVA_BYTE, offset + GSO_TYPE) & 0xff;
    }

    public VirtioNetHeader gsoType(int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset + GSO_TYPE, (byte) value);
        return this;
    }

    public int hdrLen() {
        return u16(HDR_LEN);
    }

    public VirtioNetHeader hdrLen(int value) {
        return u16(HDR_LEN, value);
    }

    public int gsoSize() {
        return u16(GSO_SIZE);
    }

    public VirtioNetHeader gsoSize(int value) {
        return u16(GSO_SIZE, value);
    }

    public int csumStart() {
        return u16(CSUM_START);
    }

    public VirtioNetHeader csumStart(int value) {
        return u16(CSUM_START, value);
    }

    public int csumOffset() {
        return u16(CSUM_OFFSET);
    }

    public VirtioNetHeader csumOffset(int value) {
        return u16(CSUM_OFFSET, value);
    }

    public int numBuffers() {
        return u16(NUM_BUFFERS);
    }

    public VirtioNetHeader numBuffers(int value) {
        return u16(NUM_BUFFERS, value);
    }

    /** Zeroes all 12 bytes: no offload, GSO_NONE. */
    public VirtioNetHeader clear() {
        segment.asSlice(offset, SIZE).fill((byte) 0);
        return this;
    }

    private int u16(int field) {
        return segment.get(LE_SHORT, offset + field) & 0xffff;
    }

    private VirtioNetHeader u16(int field, int value) {
        segment.set(LE_SHORT, offset + field, (short) value);
        return this;
    }
}
