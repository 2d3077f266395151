package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.FrontendConfig;
import io.virtio4j.vhostuser.SessionLoop;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;

import org.slf4j.Logger;

/**
 * The rate limits of one port's session log lines: one limiter per kind, shared by the sessions of
 * one socket ({@link SessionLoop}) and by no other. A front-end reconnecting in a loop still gets
 * one line a second of each kind of warning, and a hostile front-end on one port cannot turn
 * another port's warnings into "N similar suppressed".
 *
 * <p>The INFO notes a normal session writes (connected, features, memory table, rings started
 * and stopped, left) are limited too, with a burst: a front-end starting 16 queue pairs gets
 * every ring's line, one sending SET_MEM_TABLE in a loop (each restarting the rings) gets a
 * line a second of each kind, with the count of those suppressed.
 */
public final class SessionWarnings {
    /** What a session warns about. */
    enum Kind {
        DROPPED, REJECTED, RESUMED, FAULTED, REFUSED_FD, STALLED, REFUSED_MEMORY
    }

    /** What a session notes at INFO. */
    enum Note {
        CONNECTED, FEATURES, MEMORY_TABLE, RING_STARTED, RING_STOPPED, LEFT
    }

    private static final long INTERVAL_NANOS = 1_000_000_000L;
    /** Lines of one note a port may write at once: every ring of the most queue pairs a port has. */
    public static final int NOTE_BURST = 2 * FrontendConfig.MAX_QUEUE_PAIRS;

    private final RateLimitedLogs<Kind> limits;
    private final RateLimitedLogs<Note> notes;

    /** Limiters writing to {@code log}: one warning per kind per second, notes in bursts then one a second. */
    public SessionWarnings(Logger log) {
        this.limits = new RateLimitedLogs<>(log, INTERVAL_NANOS, Kind.class);
        this.notes = new RateLimitedLogs<>(log, INTERVAL_NANOS * NOTE_BURST, NOTE_BURST, Note.class);
    }

    /** The limiter of {@code kind}. */
    RateLimitedLog of(Kind kind) {
        return limits.of(kind);
    }

    /** The limiter of {@code note}: log at INFO only when its {@link RateLimitedLog#allow()} says so. */
    RateLimitedLog of(Note note) {
        return notes.of(note);
    }
}
