package io.virtio4j.vhostuser;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs back-end sessions one after another on a thread of its own: get a connection, serve it until
 * it ends (which releases all its fds and mappings), get the next. Server and client mode differ
 * only in how the next connection is obtained.
 */
abstract class SessionLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionLoop.class);

    private final BackendConfig config;
    private final Supplier<RingListener> listeners;
    private final VhostUserCounters counters = new VhostUserCounters();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile BackendSession current;

    SessionLoop(String name, BackendConfig config, Supplier<RingListener> listeners) {
        this.config = config;
        this.listeners = listeners;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
    }

    /** Starts serving. */
    void start() {
        thread.start();
    }

    /** The next connected socket; blocks; returns null once stopping. */
    abstract UnixSocket nextConnection() throws InterruptedException;

    /** Unblocks {@link #nextConnection} when stopping. */
    abstract void wakeUp();

    private void loop() {
        while (!stopping) {
            UnixSocket socket;
            try {
                socket = nextConnection();
            } catch (InterruptedException e) {
                return;
            } catch (VhostUserException e) {
                if (!stopping) {
                    LOG.warn("vhost-user: no connection: {}", e.getMessage());
                }
                continue;
            }
            if (socket == null) {
                return;
            }
            BackendSession session = new BackendSession(socket, config, listeners.get(), counters);
            current = session;
            if (stopping) {
                session.close();
                return;
            }
            try {
                session.run();
            } catch (RuntimeException e) {
                LOG.error("vhost-user session failed; waiting for the next connection", e);
            }
            current = null;
        }
    }

    /** The counters of every session this loop has run. */
    public VhostUserCounters counters() {
        return counters;
    }

    /** The session being served, or null between connections. */
    public BackendSession currentSession() {
        return current;
    }

    /** Whether the loop thread is still running. */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Stops serving: the current session ends and releases everything, the thread exits. */
    @Override
    public void close() {
        stopping = true;
        wakeUp();
        BackendSession s = current;
        if (s != null) {
            s.shutdown();
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
