package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.ovs.model.PortSpec;

/**
 * One port of the switch as the data path sees it. Its PMD thread calls {@link #receive}; any
 * PMD thread may call {@link #transmit} and {@link #flush} (implementations make those safe);
 * the wake-up methods are called by the owning PMD thread only, before and after it sleeps.
 */
public interface SwitchPort extends AutoCloseable {
    /** Largest frame (without virtio-net header) any port accepts: a jumbo frame plus an 802.1Q tag. */
    int MAX_FRAME = 9216 + 4;
    /** Frames one {@link #receive} call hands over at most. */
    int BURST = 32;

    PortSpec spec();

    default String name() {
        return spec().name();
    }

    /** Whether frames can flow now (a vhost-user front-end attached, a TAP open). */
    boolean connected();

    /**
     * Frames the port's device layer refused before the switch saw them or after it handed them
     * over: vhost-user runts, oversize frames and bad guest buffers, or frames that found no RX
     * buffer; TAP read and write errors. (The switch's own drops are in its counters.)
     */
    default long deviceDrops() {
        return 0;
    }

    /** Hands up to {@code max} received frames to {@code receiver}, one at a time; returns how many. */
    int receive(FrameReceiver receiver, int max);

    /**
     * Copies {@code frame} out of this port once: the first {@code headLength} bytes of
     * {@code head} (a rewritten header, or nothing), then the frame's bytes from {@code resume} on.
     * Returns false when the port had no room or is not connected (the caller counts the drop).
     */
    boolean transmit(Frame frame, MemorySegment head, int headLength, long resume);

    /** Ends a burst of {@link #transmit}s: publishes what was written (one index store, at most one interrupt). */
    void flush();

    /**
     * Makes sure the fds that signal new frames for this port are registered with {@code poller}
     * under tokens from {@code tokenBase} (at most {@link #MAX_WAKE_FDS}), re-registering any that
     * changed since the last call. Edge-triggered: nobody consumes the signals.
     */
    void syncWakeups(EpollPoller poller, int tokenBase);

    /** Tokens a port may use from its base. */
    int MAX_WAKE_FDS = 64;

    /** Asks to be signalled for new frames and re-checks: true if frames are already waiting. */
    boolean enableWakeups();

    /** Polling again: signals are not needed. */
    void disableWakeups();

    /** Runs {@code hook} when the port's wake-up fds change (a vhost-user ring started), so a sleeping PMD re-syncs. */
    default void onWakeupsChanged(Runnable hook) {
    }

    /** Releases every fd, socket and thread of the port. Idempotent. */
    @Override
    void close();
}
