package io.virtio4j.api.notify;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link EventNotifier} with no fd: a counter, for tests and for two components in one JVM.
 * It behaves like an eventfd (signals add up, consume returns and clears the sum) and can wake a
 * thread blocked in {@link #awaitSignal} or in an {@link InMemoryPoller} it is registered with.
 */
public final class InMemoryNotifier implements EventNotifier {
    /** The eventfd counter's ceiling, kept so tests see the same saturation as the kernel. */
    static final long MAX_COUNT = Long.MAX_VALUE;

    private final AtomicLong pending = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object monitor = new Object();
    /** Pollers to wake on signal; copy-on-write so signal reads it without a lock or an iterator. */
    private volatile Runnable[] listeners = new Runnable[0];

    /** A notifier with nothing pending. */
    public InMemoryNotifier() {
        // Fields start at zero and open.
    }

    @Override
    public void signal() {
        checkOpen();
        pending.getAndUpdate(n -> n == MAX_COUNT ? n : n + 1);
        synchronized (monitor) {
            monitor.notifyAll();
        }
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    @Override
    public long consume() {
        checkOpen();
        return pending.getAndSet(0);
    }

    /** Signals pending, without clearing them. */
    public long pending() {
        return pending.get();
    }

    /**
     * Blocks until a signal is pending (without consuming it) or the timeout passes.
     *
     * @return whether a signal is pending
     */
    public boolean awaitSignal(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (monitor) {
            while (pending.get() == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
            return true;
        }
    }

    @Override
    public int fd() {
        return -1;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Marks the notifier closed; later signal/consume throw. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
    }

    synchronized void addListener(Runnable listener) {
        Runnable[] next = Arrays.copyOf(listeners, listeners.length + 1);
        next[next.length - 1] = listener;
        listeners = next;
    }

    synchronized void removeListener(Runnable listener) {
        Runnable[] current = listeners;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == listener) {
                Runnable[] next = new Runnable[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                listeners = next;
                return;
            }
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("in-memory notifier is closed");
        }
    }

    @Override
    public String toString() {
        return "InMemoryNotifier[pending=" + pending.get() + "]";
    }
}
