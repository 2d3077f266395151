package io.virtio4j.api.notify;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link NotifierPoller} for {@link InMemoryNotifier}s, on a lock and condition variable: each
 * registered notifier wakes the poller when signalled. For tests and in-JVM pairs; it has no fds,
 * so {@link #registerFd} is refused. Same level-triggered contract as {@link EpollPoller}.
 */
public final class InMemoryPoller implements NotifierPoller {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Registrations in order; guarded by lock. */
    private final Map<Integer, InMemoryNotifier> byToken = new LinkedHashMap<>();
    /** Set by wakeup(), cleared by the poll it ends; guarded by lock. */
    private boolean woken;
    private boolean closed;

    /** A poller watching nothing yet. */
    public InMemoryPoller() {
        // Fields start empty and open.
    }
    /** The one listener this poller hangs on every notifier it watches. */
    private final Runnable onSignal = this::signalChange;

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code notifier} is not an {@link InMemoryNotifier}
     */
    @Override
    public void register(EventNotifier notifier, int token) {
        if (!(notifier instanceof InMemoryNotifier inMemory)) {
            throw new IllegalArgumentException("InMemoryPoller waits only on InMemoryNotifier, not " + notifier
                    + "; use EpollPoller for fd-backed notifiers");
        }
        lock.lock();
        try {
            checkOpen();
            if (token < 0) {
                throw new IllegalArgumentException("token must be non-negative, got " + token);
            }
            if (byToken.containsKey(token)) {
                throw new IllegalArgumentException("token " + token + " is already registered");
            }
            byToken.put(token, inMemory);
            inMemory.addListener(onSignal);
        } finally {
            lock.unlock();
        }
    }

    /** Always refused: an in-memory poller has nothing to wait on an fd with. */
    @Override
    public void registerFd(int fd, int token) {
        throw new UnsupportedOperationException("InMemoryPoller cannot wait on raw fd " + fd + "; use EpollPoller");
    }

    @Override
    public boolean unregister(int token) {
        lock.lock();
        try {
            checkOpen();
            InMemoryNotifier removed = byToken.remove(token);
            if (removed == null) {
                return false;
            }
            removed.removeListener(onSignal);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>If the polling thread is interrupted while blocked, the poll returns what is ready (often
     * 0) with the interrupt flag set again.
     */
    @Override
    public int poll(int[] readyTokens, int timeoutMillis) {
        if (readyTokens.length == 0) {
            throw new IllegalArgumentException("readyTokens has no room");
        }
        long nanosLeft = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (true) {
                checkOpen();
                int ready = collect(readyTokens);
                if (ready > 0 || woken || timeoutMillis == NO_WAIT || (timeoutMillis > 0 && nanosLeft <= 0)) {
                    woken = false;
                    return ready;
                }
                if (timeoutMillis < 0) {
                    changed.await();
                } else {
                    nanosLeft = changed.awaitNanos(nanosLeft);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return collect(readyTokens);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wakeup() {
        lock.lock();
        try {
            woken = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Unhooks from every registered notifier. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (InMemoryNotifier notifier : byToken.values()) {
                notifier.removeListener(onSignal);
            }
            byToken.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private int collect(int[] readyTokens) {
        int ready = 0;
        for (Map.Entry<Integer, InMemoryNotifier> e : byToken.entrySet()) {
            if (ready == readyTokens.length) {
                break;
            }
            if (e.getValue().pending() > 0) {
                readyTokens[ready++] = e.getKey();
            }
        }
        return ready;
    }

    private void signalChange() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("in-memory poller is closed");
        }
    }
}
