package io.virtio4j.vring;

/**
 * One popped descriptor chain, as validated buffers: readable ones first, then writable ones.
 * Preallocated with room for the longest legal chain and reused for every pop: no allocation
 * per chain. Buffers are guest addresses already checked to be mapped.
 */
public final class DescriptorChain {
    private final long[] addr;
    private final int[] len;
    private int head = -1;
    private int count;
    private int readableCount;
    private long readableBytes;
    private long writableBytes;

    /** @param capacity the most buffers a chain may have (the queue size, or 32768 with indirect) */
    public DescriptorChain(int capacity) {
        addr = new long[capacity];
        len = new int[capacity];
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

    /** Adds a buffer; the walker has already checked ordering, capacity and mapping. */
    void add(long address, int length, boolean writable) {
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
        return addr.length;
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
