package io.virtio4j.api.notify;

/**
 * Waits on many notifiers (and, where supported, raw fds such as a TAP device or a vhost-user
 * socket) at once. Each registration carries an int token the caller chooses, typically a queue
 * index; {@link #poll} reports the tokens that are ready.
 *
 * <p>Readiness is level-triggered: a notifier stays ready until it is consumed, so the caller
 * consumes each ready notifier before working on its queue, and a token is reported again on the
 * next poll if new signals arrived meanwhile. Polling never consumes.
 *
 * <p>Made for a duty-cycle loop: poll with {@link #NO_WAIT} while there is work, block (a timeout,
 * or {@link #WAIT_FOREVER}) only when a whole cycle found nothing to do:
 *
 * <pre>{@code
 * int[] ready = new int[64];                 // allocated once
 * boolean idle = false;
 * while (running) {
 *     int n = poller.poll(ready, idle ? 100 : NotifierPoller.NO_WAIT);
 *     int work = 0;
 *     for (int i = 0; i < n; i++) {
 *         kicks[ready[i]].consume();
 *         work += queues[ready[i]].process();
 *     }
 *     idle = work == 0;
 * }
 * }</pre>
 *
 * <p>Threads: one thread polls; {@link #wakeup()} may be called from any thread to end a blocked
 * poll early (e.g. to stop the loop, or after registering something new). Register and unregister
 * are thread-safe. The poller never owns what it watches: closing it closes nothing registered.
 */
public interface NotifierPoller extends AutoCloseable {
    /** Timeout that returns at once (busy polling). */
    int NO_WAIT = 0;
    /** Timeout that blocks until something is ready or {@link #wakeup()} is called. */
    int WAIT_FOREVER = -1;

    /**
     * Watches {@code notifier} for signals under {@code token}.
     *
     * @throws IllegalArgumentException if {@code token} is negative or already registered, or this
     *                                  poller cannot wait on that kind of notifier
     */
    void register(EventNotifier notifier, int token);

    /**
     * Watches a raw fd for readability under {@code token}. The fd stays the caller's.
     *
     * @throws IllegalArgumentException      if {@code token} is negative or already registered
     * @throws UnsupportedOperationException if this poller has no fds to wait on (in memory)
     */
    void registerFd(int fd, int token);

    /**
     * Stops watching {@code token}.
     *
     * @return whether the token was registered
     */
    boolean unregister(int token);

    /**
     * Waits until at least one registration is ready, the timeout passes or {@link #wakeup()} is
     * called, and writes the ready tokens into {@code readyTokens}.
     *
     * @param readyTokens   receives up to {@code readyTokens.length} tokens (more stay ready for the next poll)
     * @param timeoutMillis {@link #NO_WAIT}, a positive number of milliseconds, or {@link #WAIT_FOREVER}
     * @return how many tokens were written (0 on timeout or wakeup)
     */
    int poll(int[] readyTokens, int timeoutMillis);

    /** Ends the current (or the next) blocked {@link #poll} early. Any thread; never blocks. */
    void wakeup();

    /** Releases the poller's own resources. Idempotent; registered notifiers are left open. */
    @Override
    void close();
}
