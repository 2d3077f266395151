package io.virtio4j.api.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * At most one warning per interval (or a burst of them, then one per interval / burst), each
 * reporting how many were suppressed since the last: a hostile guest or peer can make every
 * access bad, or repeat a request in a loop, and must not be able to flood the log.
 *
 * <p>One limiter per log site (per kind of refusal), shared by every queue, device and session:
 * declare it {@code static final}, or take it from a {@link RateLimitedLogs} keyed by the refusal
 * enum. A limiter per instance would let a guest that reconnects in a loop, or makes a new queue
 * each time, write one line per instance. Per-instance counters stay exact; only the lines are
 * shared.
 *
 * <p>On the data path use {@link #allow()} and log only when it says so, so that a suppressed
 * warning costs no boxing: {@code if (limit.allow()) LOG.warn("... ({} suppressed)", ..., limit.takeSuppressed());}.
 * Lock-free, as many vCPU, poller and session threads share one: a suppressed call is a clock
 * read, a volatile read and a striped add; it allocates nothing.
 */
public final class RateLimitedLog {
    private final Logger log;
    /** The spacing of lines once a burst is spent: the interval divided by the burst. */
    private final long spacingNanos;
    /** How far ahead of the clock {@link #nextAllowed} may run and a line still pass: the rest of a burst. */
    private final long toleranceNanos;
    private final LongSupplier clock;
    /**
     * When the next line would be due if lines came evenly (a generic cell rate algorithm's
     * theoretical arrival time); a line passes while this lies at most {@link #toleranceNanos}
     * ahead of the clock, and the caller whose CAS moves it on is the one that logs.
     */
    private final AtomicLong nextAllowed;
    /** Refused since the last line. Striped: under a flood every refusing thread adds here. */
    private final LongAdder suppressed = new LongAdder();
    /** What the last winner of {@link #allow()} took from {@link #suppressed}. */
    private volatile long reported;

    /** Allows one warning per {@code intervalNanos} through {@code log}. */
    public RateLimitedLog(Logger log, long intervalNanos) {
        this(log, intervalNanos, System::nanoTime);
    }

    /**
     * Allows a burst of up to {@code burst} lines, then one per {@code intervalNanos / burst}: for
     * notes an operator wants every one of in normal running (a front-end's rings starting, one
     * line each) that a peer repeating itself in a loop must still not turn into a flood.
     */
    public RateLimitedLog(Logger log, long intervalNanos, int burst) {
        this(log, intervalNanos, burst, System::nanoTime);
    }

    /** As above with the clock given, so tests decide when an interval has passed. */
    RateLimitedLog(Logger log, long intervalNanos, LongSupplier clock) {
        this(log, intervalNanos, 1, clock);
    }

    /** As above with the clock given, so tests decide when an interval has passed. */
    RateLimitedLog(Logger log, long intervalNanos, int burst, LongSupplier clock) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("interval must be positive: " + intervalNanos);
        }
        if (burst < 1 || burst > intervalNanos) {
            throw new IllegalArgumentException("burst must be 1 to the interval in ns: " + burst);
        }
        this.log = log;
        this.spacingNanos = intervalNanos / burst;
        this.toleranceNanos = spacingNanos * (burst - 1);
        this.clock = clock;
        this.nextAllowed = new AtomicLong(clock.getAsLong());
    }

    /**
     * Whether a warning may be logged now. When it returns true, {@link #takeSuppressed()} gives
     * the count to report; when false, the event is counted as suppressed. Of many threads
     * arriving when an interval has passed exactly one gets true; the others are counted.
     */
    public boolean allow() {
        long now = clock.getAsLong();
        long next = nextAllowed.get();
        // A lost CAS retries only while the burst has room: with a burst of 1 (tolerance 0) the
        // winner moved next past now, so every loser is counted, as before.
        while (next - now <= toleranceNanos) {
            if (nextAllowed.compareAndSet(next, Math.max(next, now) + spacingNanos)) {
                // sumThenReset takes each stripe with getAndSet: an add racing with it lands in
                // this line's count or the next one's, never in neither.
                reported = suppressed.sumThenReset();
                return true;
            }
            next = nextAllowed.get();
        }
        suppressed.increment();
        return false;
    }

    /**
     * How many warnings were suppressed before the one {@link #allow()} just let through. Read it
     * right after: the next winner, at least one interval later, replaces it.
     */
    public long takeSuppressed() {
        return reported;
    }

    /** Warnings suppressed since the last one logged. */
    public long suppressed() {
        return suppressed.sum();
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

    /**
     * Logs {@code format} at INFO unless rate limited (or INFO is off); the first line after
     * suppressed ones says how many. For notes, with a burst ({@link #RateLimitedLog(Logger, long, int)}).
     */
    public boolean info(String format, Object... arguments) {
        if (!log.isInfoEnabled() || !allow()) {
            return false;
        }
        long suppressed = takeSuppressed();
        log.info(suppressed == 0 ? format : format + " (" + suppressed + " similar suppressed)", arguments);
        return true;
    }
}
