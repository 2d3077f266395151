package io.virtio4j.ovs.port;


import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.ovs.model.PortSpec;

/**
 * One port of the switch as the data path sees it. Its PMD thread calls {@link #receive} and then
 * {@link #release}; any PMD thread may call {@link #transmit} (implementations make that safe with
 * at most one lock per burst, never one per frame); the wake-up methods are called by the owning
 * PMD thread only, before and after it sleeps.
 */
public interface SwitchPort extends AutoCloseable {
    /** Largest frame (without virtio-net header) any port accepts: a jumbo frame plus an 802.1Q tag. */
    int MAX_FRAME = 9216 + 4;
    /** Frames one {@link #receive} call hands over at most. */
    int BURST = 32;

    /** The configuration this port was opened from (its name, kind, VLANs, queue pairs). */
    PortSpec spec();

    /** The port's name from its spec: the name counters, logs and control commands use. */
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

    /**
     * Puts up to {@code batch.room()} received frames in {@code batch} (at most one burst) and
     * returns how many it added. The frames stay where they lie, valid until {@link #release}.
     * A frame that cannot be read is the port's drop, not the batch's.
     */
    int receive(FrameBatch batch);

    /**
     * Ends the burst {@link #receive} handed out: the frames' buffers go back to their owner (a
     * guest's TX chains to its used ring, with one publish). Called after every receive, even one
     * that threw or returned 0.
     */
    default void release() {
    }

    /**
     * Copies every frame of {@code batch} out of this port once (its head, then the frame from its
     * resume offset), marks each one sent with {@link TxBatch#sent}, and publishes once at the
     * end (one index store, at most one interrupt per ring). Frames not marked found no room or the
     * port not connected: the caller counts those drops.
     */
    void transmit(TxBatch batch);

    /**
     * Makes sure the fds that signal new frames for this port are registered with {@code poller}
     * under tokens from {@code tokenBase} (at most {@link #MAX_WAKE_FDS}), re-registering any that
     * changed since the last call. Edge-triggered: nobody consumes the signals.
     */
    void syncWakeups(EpollPoller poller, int tokenBase);

    /**
     * Forgets which epoll set holds this port's wake-up fds, so the next {@link #syncWakeups}
     * registers them afresh: the PMD that polls the port moved to a new set (live
     * reconfiguration). Called by that PMD's thread. A port that registers nothing needs nothing.
     */
    default void resetWakeups() {
    }

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
