package io.virtio4j.vhostuser;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;

import org.slf4j.Logger;

/**
 * The rate limits of one port's session warnings: one limiter per kind, shared by the sessions of
 * one socket ({@link SessionLoop}) and by no other. A front-end reconnecting in a loop still gets
 * one line a second of each kind, and a hostile front-end on one port cannot turn another port's
 * warnings into "N similar suppressed".
 */
final class SessionWarnings {
    /** What a session warns about. */
    enum Kind {
        DROPPED, REJECTED, RESUMED, FAULTED, REFUSED_FD, STALLED, REFUSED_MEMORY
    }

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final RateLimitedLogs<Kind> limits;

    /** Limiters writing to {@code log}, one line per kind per second. */
    SessionWarnings(Logger log) {
        this.limits = new RateLimitedLogs<>(log, INTERVAL_NANOS, Kind.class);
    }

    /** The limiter of {@code kind}. */
    RateLimitedLog of(Kind kind) {
        return limits.of(kind);
    }
}
