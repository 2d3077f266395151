package io.virtio4j.vhostuser.net;

import java.util.List;

import io.virtio4j.api.concurrent.Threads;
import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.notify.NotifierPoller;
import io.virtio4j.spi.net.DataQueue;

import org.agrona.concurrent.status.AtomicCounter;

import org.slf4j.LoggerFactory;

/**
 * Interrupts for queues whose call notifier has no fd (a transport without irqfd, such as
 * virtio-mmio in process): a back-end in another process can only signal an eventfd, so each such
 * queue gets one, and a thread forwards its signals to the queue's notifier, as QEMU polls a
 * vhost device's call fd when it cannot hand it to KVM. Queues whose call already has an fd are
 * handed that fd and need no relay; without any such queue no thread runs.
 */
public final class CallRelay implements AutoCloseable {
    private static final RateLimitedLog FAILURES = new RateLimitedLog(LoggerFactory.getLogger(CallRelay.class), 1_000_000_000L);
    private final EventfdNotifier[] relays;
    private final EventNotifier[] targets;
    private final NotifierPoller poller;
    private final Thread thread;
    private final AtomicCounter relayed;
    private volatile boolean stopping;

    private CallRelay(EventfdNotifier[] relays, EventNotifier[] targets, NotifierPoller poller, String name, AtomicCounter relayed) {
        this.relays = relays;
        this.targets = targets;
        this.poller = poller;
        this.relayed = relayed;
        this.thread = poller == null ? null : Thread.ofPlatform().name(name).daemon().unstarted(this::run);
    }

    /** Relays for every queue of {@code queues} whose call has no fd; counts forwarded signals in {@code relayed}. */
    public static CallRelay start(List<DataQueue> queues, String name, AtomicCounter relayed) {
        EventfdNotifier[] relays = new EventfdNotifier[queues.size()];
        EventNotifier[] targets = new EventNotifier[queues.size()];
        NotifierPoller poller = null;
        try {
            for (int i = 0; i < relays.length; i++) {
                EventNotifier call = queues.get(i).call();
                if (call.fd() < 0) {
                    if (poller == null) {
                        poller = EpollPoller.create();
                    }
                    relays[i] = EventfdNotifier.create();
                    targets[i] = call;
                    poller.register(relays[i], i);
                }
            }
        } catch (RuntimeException e) {
            closeAll(relays, poller);
            throw e;
        }
        CallRelay relay = new CallRelay(relays, targets, poller, name, relayed);
        if (relay.thread != null) {
            relay.thread.start();
        }
        return relay;
    }

    /** The fd to hand the back-end as queue {@code position}'s call: the relay's, or the queue's own. */
    public int callFd(int position, DataQueue queue) {
        return relays[position] != null ? relays[position].fd() : queue.call().fd();
    }

    private void run() {
        int[] ready = new int[relays.length];
        while (!stopping) {
            int n = poller.poll(ready, NotifierPoller.WAIT_FOREVER);
            for (int i = 0; i < n; i++) {
                // In bounds: the poller reports only tokens registered above, positions in relays.
                int q = ready[i];
                if (relays[q].consume() > 0) {
                    try {
                        targets[q].signal();
                        relayed.increment();
                    } catch (RuntimeException e) {
                        // One queue's notifier failing must not end the interrupts of every other queue.
                        FAILURES.warn("vhost-user call relay: signalling queue {} failed: {}", q, e.toString());
                    }
                }
            }
        }
    }

    /** Stops the thread, then closes the relay eventfds (the back-end's duplicates stay its own). */
    @Override
    public void close() {
        if (thread != null) {
            stopping = true;
            poller.wakeup();
            Threads.joinUninterruptibly(thread);
        }
        closeAll(relays, poller);
    }

    private static void closeAll(EventfdNotifier[] relays, NotifierPoller poller) {
        if (poller != null) {
            poller.close();
        }
        for (EventfdNotifier r : relays) {
            if (r != null) {
                r.close();
            }
        }
    }
}
