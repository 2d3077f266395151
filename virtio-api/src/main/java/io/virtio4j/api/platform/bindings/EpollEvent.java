package io.virtio4j.api.platform.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct epoll_event} from {@code /usr/include/linux/eventpoll.h}:
 * {@code __poll_t events; __u64 data;}. On x86-64 the kernel declares it
 * {@code __attribute__((packed))} (EPOLL_PACKED), so it is 12 bytes with {@code data} at offset 4;
 * on every other architecture it has natural alignment: 16 bytes, {@code data} at offset 8.
 * Accessors in the style jextract generates; {@code index} addresses an element of an array.
 */
public final class EpollEvent {
    private EpollEvent() {
    }

    private static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));

    /** The layout of one {@code struct epoll_event} on this architecture. */
    public static final StructLayout LAYOUT = PACKED
            ? MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    ValueLayout.JAVA_LONG_UNALIGNED.withName("data")).withByteAlignment(4).withName("epoll_event")
            : MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4),
                    ValueLayout.JAVA_LONG.withName("data")).withName("epoll_event");

    /** Size of one {@code struct epoll_event} in bytes (12 on x86-64, 16 elsewhere). */
    public static final long SIZE = LAYOUT.byteSize();

    private static final long EVENTS_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    private static final long DATA_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    /** The byte size of an array of {@code count} events. */
    public static long arraySize(int count) {
        return SIZE * count;
    }

    /** {@code events} of element {@code index}. */
    public static int events(MemorySegment array, int index) {
        // Bounds: the segment accessor checks the 4 bytes against array's size.
        return array.get(ValueLayout.JAVA_INT, SIZE * index + EVENTS_OFFSET);
    }

    /** {@code data} of element {@code index} (unaligned on x86-64: offset 4 of a packed struct). */
    public static long data(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_LONG_UNALIGNED, SIZE * index + DATA_OFFSET);
    }

    /** Sets element {@code index}. */
    public static void set(MemorySegment array, int index, int events, long data) {
        array.set(ValueLayout.JAVA_INT, SIZE * index + EVENTS_OFFSET, events);
        array.set(ValueLayout.JAVA_LONG_UNALIGNED, SIZE * index + DATA_OFFSET, data);
    }
}
