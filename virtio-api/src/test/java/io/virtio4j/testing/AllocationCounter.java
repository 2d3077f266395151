package io.virtio4j.testing;

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

    /**
     * Runs {@code body} up to {@code rounds} times and returns the fewest bytes one run allocated,
     * stopping early once a run stays within {@code budget}. Early rounds include the JIT's own
     * work and code that escape analysis has not yet compiled away; steady state is what a
     * "no allocation per packet" claim is about, and the best round shows it.
     */
    public long leastAllocated(int rounds, long budget, Runnable body) {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < rounds && least > budget; i++) {
            long before = currentThread();
            body.run();
            least = Math.min(least, currentThread() - before);
        }
        return least;
    }
}
