package io.virtio4j.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A preallocated array of {@code struct iovec} ({@code void *iov_base; size_t iov_len;}, 16 bytes
 * on x86-64) for readv/writev. Allocated once per queue; {@link #set} fills entries per frame
 * without allocating. Only native segments may be referenced: the kernel dereferences the address.
 */
public final class IovecArray {
    public static final int IOVEC_SIZE = 16;
    private static final int BASE = 0;
    private static final int LEN = 8;

    private final MemorySegment iovecs;
    private final int capacity;

    public IovecArray(Arena arena, int capacity) {
        if (capacity <= 0 || capacity > 1024) {
            // UIO_MAXIOV is 1024: the kernel rejects longer vectors with EINVAL.
            throw new IllegalArgumentException("iovec capacity must be 1..1024, was " + capacity);
        }
        this.capacity = capacity;
        this.iovecs = arena.allocate((long) capacity * IOVEC_SIZE, 8);
    }

    /** Points entry {@code index} at the first {@code length} bytes of native {@code buffer}. */
    public void set(int index, MemorySegment buffer, long length) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("iovec " + index + " of " + capacity);
        }
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("iovec " + index + " must reference native memory");
        }
        if (length < 0 || length > buffer.byteSize()) {
            throw new IndexOutOfBoundsException("iovec " + index + " length " + length + " exceeds buffer of " + buffer.byteSize());
        }
        // index < capacity, so both 8-byte stores are inside the capacity * 16 bytes allocated.
        long entry = (long) index * IOVEC_SIZE;
        iovecs.set(ValueLayout.JAVA_LONG, entry + BASE, buffer.address());
        iovecs.set(ValueLayout.JAVA_LONG, entry + LEN, length);
    }

    public int capacity() {
        return capacity;
    }

    /** The native array, for Platform.readv/writev. */
    public MemorySegment segment() {
        return iovecs;
    }
}
