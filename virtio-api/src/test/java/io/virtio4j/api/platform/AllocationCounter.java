package io.virtio4j.api.platform;

import java.lang.reflect.Method;

/**
 * Test helper: bytes the current thread has allocated, from
 * com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes. Reached reflectively because the
 * tests compile inside module io.virtio4j.api, which does not (and should not) read
 * java.management; at run time the tests are on the class path and may call it.
 */
public final class AllocationCounter {
    private final Object bean;
    private final Method allocated;

    /** Looks the bean up once; {@link #currentThread()} itself allocates only a boxed long. */
    public AllocationCounter() {
        try {
            bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JVM has no per-thread allocation counter", e);
        }
    }

    /** Bytes allocated by the calling thread since it started. */
    public long currentThread() {
        try {
            return (long) allocated.invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
