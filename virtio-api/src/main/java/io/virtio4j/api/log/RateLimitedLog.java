package io.virtio4j.api.log;

import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * At most one warning per interval, each reporting how many were suppressed since the last: a
 * hostile guest or peer can make every access bad and must not be able to flood the log.
 *
 * <p>On the data path use {@link #allow()} and log only when it says so, so that a suppressed
 * warning costs no boxing: {@code if (limit.allow()) LOG.warn("... ({} suppressed)", ..., limit.takeSuppressed());}.
 * Thread-safe (MMIO accesses may come from several vCPU threads); uncontended it is a cheap lock.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long nextAllowed;
    private long suppressed;
    private long reported;

    /** Allows one warning per {@code intervalNanos} through {@code log}. */
    public RateLimitedLog(Logger log, long intervalNanos) {
        this(log, intervalNanos, System::nanoTime);
    }

    /** As above with the clock given, so tests decide when an interval has passed. */
    RateLimitedLog(Logger log, long intervalNanos, LongSupplier clock) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.nextAllowed = clock.getAsLong();
    }

    /**
     * Whether a warning may be logged now. When it returns true, {@link #takeSuppressed()} gives
     * the count to report; when false, the event is counted as suppressed.
     */
    public synchronized boolean allow() {
        long now = clock.getAsLong();
        if (now - nextAllowed < 0) {
            suppressed++;
            return false;
        }
        nextAllowed = now + intervalNanos;
        reported = suppressed;
        suppressed = 0;
        return true;
    }

    /** How many warnings were suppressed before the one {@link #allow()} just let through. */
    public synchronized long takeSuppressed() {
        return reported;
    }

    /** Warnings suppressed since the last one logged. */
    public synchronized long suppressed() {
        return suppressed;
    }

    /** Logs {@code message} with one argument unless rate limited; returns whether it logged. */
    public boolean warn(String message, Object argument) {
        if (!allow()) {
            return false;
        }
        log.warn(message + " ({} similar suppressed)", argument, takeSuppressed());
        return true;
    }

    /** Logs {@code message} with two arguments unless rate limited; returns whether it logged. */
    public boolean warn(String message, Object first, Object second) {
        if (!allow()) {
            return false;
        }
        log.warn(message + " ({} similar suppressed)", first, second, takeSuppressed());
        return true;
    }
}
