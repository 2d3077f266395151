package io.virtio4j.api.platform.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct iovec} from {@code /usr/include/x86_64-linux-gnu/bits/types/struct_iovec.h}:
 * {@code void *iov_base; size_t iov_len;} (16 bytes on LP64). Accessors in the style jextract
 * generates; indexes address the {@code index}-th element of an array of iovecs.
 */
public final class IoVec {
    private IoVec() {
    }

    /** The layout of one {@code struct iovec}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len")).withName("iovec");

    /** Size of one {@code struct iovec} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();

    private static final long BASE_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("iov_base"));
    private static final long LEN_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("iov_len"));

    /** The byte size of an array of {@code count} iovecs. */
    public static long arraySize(int count) {
        return SIZE * count;
    }

    /** Sets element {@code index} to point at {@code buffer} (its address and whole length). */
    public static void set(MemorySegment array, int index, MemorySegment buffer) {
        set(array, index, buffer.address(), buffer.byteSize());
    }

    /** Sets element {@code index} to {@code length} bytes at raw address {@code address}. */
    public static void set(MemorySegment array, int index, long address, long length) {
        long base = SIZE * index;
        // Bounds: the segment accessors check [base, base + SIZE) against array's size.
        array.set(ValueLayout.JAVA_LONG, base + BASE_OFFSET, address);
        array.set(ValueLayout.JAVA_LONG, base + LEN_OFFSET, length);
    }

    /** {@code iov_base} of element {@code index} as a raw address. */
    public static long base(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_LONG, SIZE * index + BASE_OFFSET);
    }

    /** {@code iov_len} of element {@code index}. */
    public static long length(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_LONG, SIZE * index + LEN_OFFSET);
    }
}
