package io.virtio4j.spi.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Flyweight over the 12-byte {@code struct virtio_net_hdr_mrg_rxbuf} (linux/virtio_net.h), the
 * header used with VIRTIO_F_VERSION_1 whether or not MRG_RXBUF is negotiated. All 16-bit fields
 * are little-endian ({@code __virtio16} under VERSION_1, and TUNSETVNETLE is not needed on x86-64).
 * One instance is re-pointed with {@link #wrap} per frame: no allocation per packet.
 */
public final class VirtioNetHeader {
    /** Offset of {@code flags} (u8): {@code F_*}. */
    public static final int FLAGS = 0;
    /** Offset of {@code gso_type} (u8): {@code GSO_*}, possibly with {@link #GSO_ECN}. */
    public static final int GSO_TYPE = 1;
    /** Offset of {@code hdr_len} (le16): bytes of headers before the GSO payload. */
    public static final int HDR_LEN = 2;
    /** Offset of {@code gso_size} (le16): the segment size of a GSO frame. */
    public static final int GSO_SIZE = 4;
    /** Offset of {@code csum_start} (le16): where checksumming starts. */
    public static final int CSUM_START = 6;
    /** Offset of {@code csum_offset} (le16): where, after csum_start, the checksum goes. */
    public static final int CSUM_OFFSET = 8;
    /** Offset of {@code num_buffers} (le16): receive buffers the frame spans (MRG_RXBUF). */
    public static final int NUM_BUFFERS = 10;
    /** The header's size in bytes. */
    public static final int SIZE = 12;

    /** {@code VIRTIO_NET_HDR_F_NEEDS_CSUM}: the checksum from csum_start is still to be computed. */
    public static final int F_NEEDS_CSUM = 1;
    /** {@code VIRTIO_NET_HDR_F_DATA_VALID}: the checksum was already verified. */
    public static final int F_DATA_VALID = 2;
    /** {@code VIRTIO_NET_HDR_F_RSC_INFO}: coalesced-segment info in the checksum fields. */
    public static final int F_RSC_INFO = 4;

    /** {@code VIRTIO_NET_HDR_GSO_NONE}: not a GSO frame. */
    public static final int GSO_NONE = 0;
    /** {@code VIRTIO_NET_HDR_GSO_TCPV4}: a TCPv4 super-frame. */
    public static final int GSO_TCPV4 = 1;
    /** {@code VIRTIO_NET_HDR_GSO_UDP}: a UDP fragmentation-offload frame. */
    public static final int GSO_UDP = 3;
    /** {@code VIRTIO_NET_HDR_GSO_TCPV6}: a TCPv6 super-frame. */
    public static final int GSO_TCPV6 = 4;
    /** {@code VIRTIO_NET_HDR_GSO_UDP_L4}: a UDP segmentation-offload frame. */
    public static final int GSO_UDP_L4 = 5;
    /** {@code VIRTIO_NET_HDR_GSO_ECN}: flag on gso_type, the TCP frame has ECN set. */
    public static final int GSO_ECN = 0x80;

    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    /** A flyweight pointing nowhere until {@link #wrap}. */
    public VirtioNetHeader() {
        // Reused: wrap() points it at a header.
    }

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

    /** Reads the {@code flags} byte. */
    public int flags() {
        return segment.get(ValueLayout.JAVA_BYTE, offset + FLAGS) & 0xff;
    }

    /** Writes the {@code flags} byte; returns this header. */
    public VirtioNetHeader flags(int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset + FLAGS, (byte) value);
        return this;
    }

    /** Reads the {@code gso_type} byte. */
    public int gsoType() {
        return segment.get(ValueLayout.JAVA_BYTE, offset + GSO_TYPE) & 0xff;
    }

    /** Writes the {@code gso_type} byte; returns this header. */
    public VirtioNetHeader gsoType(int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset + GSO_TYPE, (byte) value);
        return this;
    }

    /** Reads {@code hdr_len}. */
    public int hdrLen() {
        return u16(HDR_LEN);
    }

    /** Writes {@code hdr_len}; returns this header. */
    public VirtioNetHeader hdrLen(int value) {
        return u16(HDR_LEN, value);
    }

    /** Reads {@code gso_size}. */
    public int gsoSize() {
        return u16(GSO_SIZE);
    }

    /** Writes {@code gso_size}; returns this header. */
    public VirtioNetHeader gsoSize(int value) {
        return u16(GSO_SIZE, value);
    }

    /** Reads {@code csum_start}. */
    public int csumStart() {
        return u16(CSUM_START);
    }

    /** Writes {@code csum_start}; returns this header. */
    public VirtioNetHeader csumStart(int value) {
        return u16(CSUM_START, value);
    }

    /** Reads {@code csum_offset}. */
    public int csumOffset() {
        return u16(CSUM_OFFSET);
    }

    /** Writes {@code csum_offset}; returns this header. */
    public VirtioNetHeader csumOffset(int value) {
        return u16(CSUM_OFFSET, value);
    }

    /** Reads {@code num_buffers}. */
    public int numBuffers() {
        return u16(NUM_BUFFERS);
    }

    /** Writes {@code num_buffers}; returns this header. */
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
