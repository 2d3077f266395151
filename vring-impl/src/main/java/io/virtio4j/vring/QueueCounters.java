package io.virtio4j.vring;

/** Per-queue counters: chains served and chains refused per {@link ChainError}. Single writer. */
public final class QueueCounters {
    private final long[] errors = new long[ChainError.VALUES.length];
    private long chains;
    private long interrupts;

    /** All counters at zero. */
    public QueueCounters() {
        // Counted by the queue that owns them.
    }

    /** Adds a burst's good chains: one add per burst, not per chain. */
    void chainsPopped(int n) {
        chains += n;
    }

    void interruptRequested() {
        interrupts++;
    }

    void error(ChainError e) {
        errors[e.ordinal()]++;
    }

    /** Good chains handed to the caller. */
    public long chains() {
        return chains;
    }

    /** Times {@code needsInterrupt()} answered yes. */
    public long interrupts() {
        return interrupts;
    }

    /** Refused chains (or queue failures) of one kind. */
    public long errors(ChainError e) {
        return errors[e.ordinal()];
    }

    /** Sum over all errors. */
    public long totalErrors() {
        long t = 0;
        for (long e : errors) {
            t += e;
        }
        return t;
    }
}
