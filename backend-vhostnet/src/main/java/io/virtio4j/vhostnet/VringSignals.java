package io.virtio4j.vhostnet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.concurrent.Threads;
import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.notify.NotifierPoller;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.QueueFailureListener;

/**
 * The eventfds the kernel worker signals that need this process, watched by one thread:
 * <ul>
 * <li>per queue an error eventfd (VHOST_SET_VRING_ERR): the worker found the ring broken (a bad
 *     descriptor, an address outside the memory table), reported to the device as a broken queue;</li>
 * <li>for a queue whose call notifier has no fd (virtio-mmio without irqfd raises the interrupt in
 *     this process), a relay eventfd given to the kernel as the call, forwarded to the notifier.</li>
 * </ul>
 * A queue whose call is already an eventfd (an irqfd) gets it directly: the worker then interrupts
 * the guest without this process.
 */
final class VringSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VringSignals.class);
    /** Shared by every device: one that is reset and re-created in a loop gets no lines of its own. */
    private static final RateLimitedLog ERROR_LOG = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));

    private final List<DataQueue> queues;
    private final QueueFailureListener failures;
    private final EpollPoller poller;
    /** Per queue position: the error eventfd, and the relay eventfd or null when the call has its own fd. */
    private final EventfdNotifier[] errors;
    private final EventfdNotifier[] relays;
    private final Thread thread;
    private volatile boolean running = true;
    private long ringErrors;
    private long callsRelayed;

    private VringSignals(List<DataQueue> queues, QueueFailureListener failures, Platform platform, String name) {
        this.queues = queues;
        this.failures = failures;
        this.errors = new EventfdNotifier[queues.size()];
        this.relays = new EventfdNotifier[queues.size()];
        List<AutoCloseable> opened = new ArrayList<>();
        EpollPoller p = EpollPoller.create(platform, Math.max(2 * queues.size(), 1));
        opened.add(p);
        try {
            for (int i = 0; i < queues.size(); i++) {
                errors[i] = EventfdNotifier.create(platform);
                opened.add(errors[i]);
                p.register(errors[i], errorToken(i));
                if (queues.get(i).call().fd() < 0) {
                    relays[i] = EventfdNotifier.create(platform);
                    opened.add(relays[i]);
                    p.register(relays[i], relayToken(i));
                }
            }
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        this.poller = p;
        this.thread = Thread.ofPlatform().name("vhost-net-" + name + "-signals").daemon().unstarted(this::run);
    }

    /** Creates the eventfds for {@code queues} and starts the watching thread. */
    static VringSignals start(List<DataQueue> queues, QueueFailureListener failures, Platform platform, String name) {
        VringSignals signals = new VringSignals(queues, failures, platform, name);
        signals.thread.start();
        return signals;
    }

    private static int errorToken(int position) {
        return 2 * position;
    }

    private static int relayToken(int position) {
        return 2 * position + 1;
    }

    /** The fd to give VHOST_SET_VRING_CALL for the queue at {@code position}. */
    int callFd(int position) {
        return relays[position] != null ? relays[position].fd() : queues.get(position).call().fd();
    }

    /** The fd to give VHOST_SET_VRING_ERR for the queue at {@code position}. */
    int errorFd(int position) {
        return errors[position].fd();
    }

    private void run() {
        int[] ready = new int[2 * queues.size()];
        try {
            while (running) {
                int n = poller.poll(ready, NotifierPoller.WAIT_FOREVER);
                for (int i = 0; i < n; i++) {
                    dispatch(ready[i]);
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("vhost-net signal thread failed; ring errors and relayed calls are no longer seen", e);
            }
        }
    }

    private void dispatch(int token) {
        // Tokens come from our own registrations: position = token / 2 < queues.size().
        int position = token >>> 1;
        if ((token & 1) == 0) {
            errors[position].consume();
            ringErrors++;
            int index = queues.get(position).index();
            if (ERROR_LOG.allow()) {
                LOG.warn("vhost-net worker reports queue {} broken ({} reports suppressed)", index, ERROR_LOG.takeSuppressed());
            }
            failures.queueBroken(index);
        } else {
            relays[position].consume();
            callsRelayed++;
            queues.get(position).call().signal();
        }
    }

    /** Error reports seen so far (read after {@link #close()} for an exact count). */
    long ringErrors() {
        return ringErrors;
    }

    /** Calls forwarded to fd-less notifiers so far (read after {@link #close()} for an exact count). */
    long callsRelayed() {
        return callsRelayed;
    }

    /** Stops the thread, then closes the eventfds (the kernel must have dropped them: close the vhost fd first). */
    @Override
    public void close() {
        running = false;
        poller.wakeup();
        Threads.joinUninterruptibly(thread);
        List<AutoCloseable> all = new ArrayList<>();
        all.add(poller);
        for (int i = 0; i < queues.size(); i++) {
            all.add(errors[i]);
            if (relays[i] != null) {
                all.add(relays[i]);
            }
        }
        closeAll(all);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", r, e);
            }
        }
    }
}
