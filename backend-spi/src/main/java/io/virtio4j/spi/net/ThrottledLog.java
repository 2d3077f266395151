package io.virtio4j.spi.net;

import org.slf4j.Logger;

/**
 * At most one warning per interval, reporting how many were suppressed in between: a hostile
 * driver can make every access bad and must not be able to flood the log.
 */
public final class ThrottledLog {
    private final Logger log;
    private final long intervalNanos;
    private long nextAllowed;
    private long suppressed;

    public ThrottledLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.nextAllowed = System.nanoTime();
    }

    /** Logs {@code message} with one argument unless rate limited; returns whether it logged. */
    public boolean warn(String message, Object argument) {
        return warn(message, argument, null);
    }

    /**
     * Logs {@code message} with two arguments unless rate limited; returns whether it logged.
     * Callers pass the parts rather than a built string, so a suppressed warning costs nothing.
     */
    public synchronized boolean warn(String message, Object first, Object second) {
        long now = System.nanoTime();
        if (now - nextAllowed < 0) {
            suppressed++;
            return false;
        }
        nextAllowed = now + intervalNanos;
        long s = suppressed;
        suppressed = 0;
        if (second == null) {
            log.warn(message + " ({} similar suppressed)", first, s);
        } else {
            log.warn(message + " ({} similar suppressed)", first, second, s);
        }
        return true;
    }
}
