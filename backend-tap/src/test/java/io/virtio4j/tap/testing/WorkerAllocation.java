package io.virtio4j.tap.testing;

/**
 * What a backend worker thread allocates per frame, seen from the test thread: the least it
 * allocated over any window of {@code window} frames. Early windows include the interpreter and
 * C1 code: there every FFM downcall with captureCallState allocates the slice the JDK takes of the
 * capture segment to check it (SharedUtils.checkCaptureSegment, JDK-8308445), about 40 bytes per
 * syscall, until C2 compiles the caller and escape analysis removes it. Steady state is what "no
 * allocation per frame" is about, and the best window shows it.
 */
public final class WorkerAllocation {
    private final Thread thread;
    private final long window;
    private long windowStartFrames = -1;
    private long windowStartBytes;
    private long least = Long.MAX_VALUE;
    private int windows;

    public WorkerAllocation(Thread thread, long window) {
        this.thread = thread;
        this.window = window;
    }

    /** The running thread called {@code name} (the TAP backend names its workers tap-IFNAME-qN). */
    public static Thread named(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name));
    }

    /** Records that the worker has handled {@code frames} frames so far. */
    public void sample(long frames) {
        if (windowStartFrames < 0 || frames - windowStartFrames >= window) {
            long bytes = allocatedBytes(thread);
            if (windowStartFrames >= 0) {
                least = Math.min(least, bytes - windowStartBytes);
                windows++;
            }
            windowStartFrames = frames;
            windowStartBytes = bytes;
        }
    }

    /** The fewest bytes one complete window allocated (Long.MAX_VALUE before the first window ends). */
    public long least() {
        return least;
    }

    public int windows() {
        return windows;
    }

    /**
     * Bytes {@code thread} has allocated (com.sun.management.ThreadMXBean#getThreadAllocatedBytes),
     * reached reflectively: the tests compile inside module io.virtio4j.tap, which does not read
     * java.management; they run on the class path, where the call is allowed.
     */
    public static long allocatedBytes(Thread thread) {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class)
                    .invoke(bean, thread.threadId());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JVM has no per-thread allocation counter", e);
        }
    }
}
