package io.virtio4j.ovs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Another thread's CPU time and allocated bytes (ThreadMXBean, reached reflectively: the tests
 * compile inside module io.virtio4j.ovs, which does not read java.management; they run on the class
 * path, where it is there), and this process's open fd count.
 */
public final class ThreadMeasures {
    private static final Object BEAN;
    private static final Method CPU_TIME;
    private static final Method ALLOCATED;

    static {
        try {
            BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            CPU_TIME = Class.forName("java.lang.management.ThreadMXBean").getMethod("getThreadCpuTime", long.class);
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ThreadMeasures() {
    }

    /** CPU nanoseconds {@code thread} has used. */
    public static long cpuNanos(Thread thread) {
        return call(CPU_TIME, thread.threadId());
    }

    /** Bytes {@code thread} has allocated since it started. */
    public static long allocatedBytes(Thread thread) {
        return call(ALLOCATED, thread.threadId());
    }

    private static long call(Method m, long id) {
        try {
            return (long) m.invoke(BEAN, id);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Open fds of this process, from /proc/self/fd (the listing's own fd included, as every time). */
    public static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
