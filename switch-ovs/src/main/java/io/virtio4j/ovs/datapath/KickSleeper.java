package io.virtio4j.ovs.datapath;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.port.SwitchPort;

/**
 * How an idle PMD sleeps: on one epoll set holding the wake-up fds of its ports (vhost-user kick
 * eventfds, TAP fds, in-process eventfds), edge-triggered. Before sleeping it re-syncs the fds
 * (a vhost-user ring may have restarted with a new kick fd), asks every port to signal again
 * and re-checks for work that arrived meanwhile (the virtio "enable notification, then look once
 * more" rule): a kick sent before the request was seen is never lost. The timeout bounds the sleep
 * so a port that connects while the PMD sleeps is polled soon anyway.
 */
final class KickSleeper implements AutoCloseable {
    private final SwitchPort[] ports;
    private final PmdStats stats;
    private final EpollPoller poller = EpollPoller.create(Platform.linux(), EpollPoller.DEFAULT_CAPACITY);
    private final int[] ready = new int[EpollPoller.DEFAULT_CAPACITY];

    KickSleeper(SwitchPort[] ports, PmdStats stats) {
        this.ports = ports.clone();
        this.stats = stats;
    }

    /**
     * Makes the ports wake this set when their wake-up fds change (a vhost-user ring started). Done
     * by the PMD as it takes the plan up, not when the plan is built: a plan that is never taken up
     * (a reconfiguration that failed) must leave the ports pointing at the set the PMD sleeps on.
     */
    void attach() {
        Runnable wake = poller::wakeup;
        for (SwitchPort port : ports) {
            port.onWakeupsChanged(wake);
        }
    }

    /** Sleeps until a port signals, {@link #wakeup()} is called or {@code timeoutMillis} pass; returns at once if work is waiting. */
    void sleep(int timeoutMillis) {
        for (int i = 0; i < ports.length; i++) {
            ports[i].syncWakeups(poller, i * SwitchPort.MAX_WAKE_FDS);
        }
        boolean pending = false;
        for (SwitchPort port : ports) {
            pending |= port.enableWakeups();
        }
        if (!pending) {
            stats.slept();
            poller.poll(ready, timeoutMillis);
        }
        for (SwitchPort port : ports) {
            port.disableWakeups();
        }
    }

    /** Ends a sleep early (any thread). */
    void wakeup() {
        poller.wakeup();
    }

    /** Closes the epoll set (the PMD thread must have stopped). */
    @Override
    public void close() {
        poller.close();
    }
}
