package io.virtio4j.tap;

import io.virtio4j.api.platform.bindings.IoVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A preallocated array of {@code struct iovec} (layout: {@link IoVec}) for readv/writev, with its
 * capacity, so the count passed to the kernel can be checked. Allocated once per queue;
 * {@link #set} fills entries per frame without allocating. Only native segments may be referenced:
 * the kernel dereferences the address.
 */
public final class IovecArray {
    private final MemorySegment iovecs;
    private final int capacity;

    /** An array of {@code capacity} (1..1024, the kernel's UIO_MAXIOV) iovecs allocated in {@code arena}. */
    public IovecArray(Arena arena, int capacity) {
        if (capacity <= 0 || capacity > 1024) {
            // UIO_MAXIOV is 1024: the kernel rejects longer vectors with EINVAL.
            throw new IllegalArgumentException("iovec capacity must be 1..1024, was " + capacity);
        }
        this.capacity = capacity;
        this.iovecs = arena.allocate(IoVec.arraySize(capacity), 8);
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
        // index < capacity and the array holds capacity iovecs; length <= the buffer's size, so the
        // kernel is only ever pointed inside a live native buffer.
        IoVec.set(iovecs, index, buffer.address(), length);
    }

    /**
     * Points entry {@code index} at {@code length} bytes from {@code offset} of native {@code region}
     * (a guest region's mapping): no slice object per frame.
     */
    public void set(int index, MemorySegment region, long offset, long length) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("iovec " + index + " of " + capacity);
        }
        if (!region.isNative()) {
            throw new IllegalArgumentException("iovec " + index + " must reference native memory");
        }
        if (offset < 0 || length < 0 || offset > region.byteSize() - length) {
            throw new IndexOutOfBoundsException("iovec " + index + " [" + offset + ", +" + length + ") outside a region of " + region.byteSize());
        }
        // index < capacity; [offset, offset + length) lies inside the live native region (checked
        // without overflow above), so the kernel is only pointed inside mapped guest memory.
        IoVec.set(iovecs, index, region.address() + offset, length);
    }

    /**
     * Moves entries [{@code from}, {@code from + count}) to [0, {@code count}): the iovecs of the
     * chains still held after a frame took the first ones, without mapping them again.
     */
    public void shiftDown(int from, int count) {
        if (from < 0 || count < 0 || from > capacity - count) {
            throw new IndexOutOfBoundsException("iovecs [" + from + ", +" + count + ") of " + capacity);
        }
        // Both ranges lie inside the array (checked above); MemorySegment.copy handles the overlap.
        MemorySegment.copy(iovecs, IoVec.arraySize(from), iovecs, 0, IoVec.arraySize(count));
    }

    /** How many iovecs the array holds. */
    public int capacity() {
        return capacity;
    }

    /** The native array, for Platform.readv/writev. */
    public MemorySegment segment() {
        return iovecs;
    }
}
