package io.virtio4j.vring;

/**
 * One popped descriptor chain, as validated buffers: readable ones first, then writable ones.
 * Reused for every pop. It holds {@link #INITIAL_BUFFERS} buffers at first and grows, by
 * doubling, up to the longest legal chain the first time a longer chain comes: a chain object is
 * allocated and grown a bounded number of times, never per chain. Sized for the longest chain
 * at once (a thousand buffers and more), a queue's burst of chains put their first buffers a
 * multiple of 4 KiB apart, so a pop's stores and the reads after them fell into the same few
 * cache sets, on as many pages as chains. Buffers are guest addresses already checked to be mapped.
 */
public final class DescriptorChain {
    /** Buffers a chain holds before it first grows: a net frame takes one or two, a GSO frame up to 19. */
    static final int INITIAL_BUFFERS = 8;

    private long[] addr;
    private int[] len;
    /** The most buffers a chain may have: the longest legal chain. */
    private final int capacity;
    private int head = -1;
    private int count;
    private int readableCount;
    private long readableBytes;
    private long writableBytes;

    /** @param capacity the most buffers a chain may have (the queue size, or 32768 with indirect) */
    public DescriptorChain(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a chain of at most " + capacity + " buffers");
        }
        this.capacity = capacity;
        addr = new long[Math.min(capacity, INITIAL_BUFFERS)];
        len = new int[addr.length];
    }

    void reset(int headIndex) {
        head = headIndex;
        count = 0;
        readableCount = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    /** Names the chain once its walk found the name: a packed ring's buffer id sits in its last descriptor. */
    void head(int headOrId) {
        head = headOrId;
    }

    /** Adds a buffer; the walker has already checked ordering, mapping and that count is below the capacity. */
    void add(long address, int length, boolean writable) {
        if (count == addr.length) {
            // count < capacity: room to double into, up to the capacity.
            int grown = (int) Math.min(capacity, 2L * addr.length);
            addr = java.util.Arrays.copyOf(addr, grown);
            len = java.util.Arrays.copyOf(len, grown);
        }
        addr[count] = address;
        len[count] = length;
        count++;
        if (writable) {
            writableBytes += Integer.toUnsignedLong(length);
        } else {
            readableCount++;
            readableBytes += Integer.toUnsignedLong(length);
        }
    }

    int capacity() {
        return capacity;
    }

    /** What goes back on the used ring: the split head descriptor index, or the packed buffer id. */
    public int head() {
        return head;
    }

    /** Number of non-empty buffers. */
    public int count() {
        return count;
    }

    /** Buffers [0, readableCount) are device-readable, the rest device-writable. */
    public int readableCount() {
        return readableCount;
    }

    /** Number of device-writable buffers: [{@link #readableCount()}, {@link #count()}). */
    public int writableCount() {
        return count - readableCount;
    }

    /** Guest address of buffer {@code i}, checked to be mapped when the chain was walked. */
    public long address(int i) {
        return addr[checkIndex(i)];
    }

    /** Length as an unsigned 32-bit value. */
    public long length(int i) {
        return Integer.toUnsignedLong(len[checkIndex(i)]);
    }

    /** Whether buffer {@code i} is device-writable (the driver set VIRTQ_DESC_F_WRITE). */
    public boolean isWritable(int i) {
        return checkIndex(i) >= readableCount;
    }

    /** Total length of the device-readable buffers. */
    public long readableBytes() {
        return readableBytes;
    }

    /** Total length of the device-writable buffers: the most a device may write into the chain. */
    public long writableBytes() {
        return writableBytes;
    }

    /** Address of buffer {@code i} without the index check, for {@link ChainCursor}, which keeps i < count. */
    long addressUnchecked(int i) {
        return addr[i];
    }

    /** Length of buffer {@code i} (unsigned) without the index check, for {@link ChainCursor}. */
    long lengthUnchecked(int i) {
        return Integer.toUnsignedLong(len[i]);
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("buffer " + i + " of " + count);
        }
        return i;
    }
}
