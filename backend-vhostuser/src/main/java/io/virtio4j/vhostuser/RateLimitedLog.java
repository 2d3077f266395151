package io.virtio4j.vhostuser;

import org.slf4j.Logger;

/**
 * Warns at most {@code perSecond} times a second, then counts what it dropped: a hostile peer must
 * not be able to flood the log.
 */
final class RateLimitedLog {
    private final Logger log;
    private final int perSecond;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    RateLimitedLog(Logger log, int perSecond) {
        this.log = log;
        this.perSecond = perSecond;
    }

    synchronized void warn(String format, Object... args) {
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            if (suppressed > 0) {
                log.warn("{} similar warnings suppressed", suppressed);
            }
            windowStart = now;
            inWindow = 0;
            suppressed = 0;
        }
        if (inWindow < perSecond) {
            inWindow++;
            log.warn(format, args);
        } else {
            suppressed++;
        }
    }
}
