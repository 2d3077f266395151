package io.virtio4j.spi.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The virtio-net device configuration space (spec 5.1.4), as a flyweight over 12 bytes:
 * {@code u8 mac[6]; le16 status; le16 max_virtqueue_pairs; le16 mtu;}. Fields past the ones the
 * device implements (speed, duplex, rss) read as zero. Every change bumps the configuration
 * generation (spec 2.5.1) so a driver reading several fields can detect a torn read.
 */
public final class NetConfigSpace {
    /** Offset of {@code mac[6]}. */
    public static final int MAC = 0;
    /** Offset of {@code le16 status}. */
    public static final int STATUS = 6;
    /** Offset of {@code le16 max_virtqueue_pairs}. */
    public static final int MAX_VIRTQUEUE_PAIRS = 8;
    /** Offset of {@code le16 mtu}. */
    public static final int MTU = 10;
    /** Bytes the device exposes. */
    public static final int SIZE = 12;

    /** status bit: the link is up. */
    public static final int STATUS_LINK_UP = 1;
    /** status bit: the driver should send a gratuitous announcement. */
    public static final int STATUS_ANNOUNCE = 2;

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment bytes = MemorySegment.ofArray(new byte[SIZE]);
    private final AtomicInteger generation = new AtomicInteger();

    NetConfigSpace(long mac, int maxQueuePairs, int mtu) {
        byte[] m = new byte[MacAddress.BYTES];
        MacAddress.write(mac, m, 0);
        MemorySegment.copy(MemorySegment.ofArray(m), 0, bytes, MAC, MacAddress.BYTES);
        bytes.set(LE16, MAX_VIRTQUEUE_PAIRS, (short) maxQueuePairs);
        bytes.set(LE16, MTU, (short) mtu);
    }

    /**
     * Reads {@code size} (1, 2 or 4) bytes at {@code offset}, little-endian; zero past the end.
     * A read straddling the end returns the bytes inside and zeros beyond.
     */
    public synchronized int read(int offset, int size) {
        if (offset < 0 || offset >= SIZE) {
            return 0;
        }
        if (offset + size <= SIZE) {
            // In bounds: offset + size <= SIZE was checked just above.
            return switch (size) {
                case 1 -> bytes.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
                case 2 -> bytes.get(LE16, offset) & 0xffff;
                case 4 -> bytes.get(LE32, offset);
                default -> 0;
            };
        }
        int value = 0;
        for (int i = 0; i < size && offset + i < SIZE; i++) {
            // In bounds: offset + i < SIZE.
            value |= (bytes.get(ValueLayout.JAVA_BYTE, offset + i) & 0xff) << (8 * i);
        }
        return value;
    }

    /** The status field. */
    public synchronized int status() {
        return bytes.get(LE16, STATUS) & 0xffff;
    }

    /** Sets/clears status bits; returns whether anything changed (a config interrupt is due). */
    synchronized boolean updateStatus(int set, int clear) {
        int old = status();
        int next = (old | set) & ~clear & 0xffff;
        if (next == old) {
            return false;
        }
        bytes.set(LE16, STATUS, (short) next);
        generation.incrementAndGet();
        return true;
    }

    /** The configuration generation (spec 4.2.2 ConfigGeneration). */
    public int generation() {
        return generation.get();
    }
}
