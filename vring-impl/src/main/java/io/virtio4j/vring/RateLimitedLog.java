package io.virtio4j.vring;

import org.slf4j.Logger;

/**
 * At most one warning per interval, with the number suppressed since the last one. A hostile
 * driver can make every chain bad; it must not be able to flood the log.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private long nextAllowed;
    private long suppressed;

    public RateLimitedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.nextAllowed = System.nanoTime();
    }

    /** Logs unless rate limited; returns whether it logged. Arguments are boxed only when logged. */
    public boolean warn(String queueName, ChainError error, long detail) {
        long now = System.nanoTime();
        if (now - nextAllowed < 0) {
            suppressed++;
            return false;
        }
        nextAllowed = now + intervalNanos;
        long s = suppressed;
        suppressed = 0;
        log.warn("{}: refused descriptor chain: {} (detail {}), {} similar suppressed", queueName, error, detail, s);
        return true;
    }

    /** Messages dropped since the last one logged. */
    public long suppressed() {
        return suppressed;
    }
}
