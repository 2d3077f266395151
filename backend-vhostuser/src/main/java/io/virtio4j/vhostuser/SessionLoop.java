package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.BackendSession;
import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.protocol.SessionWarnings;
import io.virtio4j.vhostuser.transport.Connector;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs back-end sessions one after another on a thread of its own: get a connection, serve it until
 * it ends (which releases all its fds and mappings), get the next. Server and client mode differ
 * only in their {@code Connector}.
 */
public abstract class SessionLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionLoop.class);

    private final Connector connector;
    private final BackendConfig config;
    private final Supplier<RingListener> listeners;
    private final GuestMemoryBudget budget;
    /** Shared by every session of the loop; owned by whoever handed them in (a switch port frees its own). */
    private final VhostUserCounters counters;
    /** The log limits of this socket's sessions: per port, so one port's flood does not silence another's. */
    private final SessionWarnings warnings = new SessionWarnings(LoggerFactory.getLogger(BackendSession.class));
    private final Thread thread;
    private volatile boolean stopping;
    private volatile BackendSession current;

    SessionLoop(String name, Connector connector, BackendConfig config, Supplier<RingListener> listeners,
                GuestMemoryBudget budget, VhostUserCounters counters) {
        this.budget = budget;
        this.counters = java.util.Objects.requireNonNull(counters, "counters");
        this.connector = connector;
        this.config = config;
        this.listeners = listeners;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
    }

    /** Starts serving. */
    void start() {
        thread.start();
    }

    private void loop() {
        while (!stopping) {
            UnixSocket socket = connector.await();
            if (socket == null) {
                return;
            }
            BackendSession session = new BackendSession(socket, config, listeners.get(), counters, budget, warnings);
            session.name(thread.getName());
            current = session;
            if (stopping) {
                session.close();
                return;
            }
            try {
                session.run();
            } catch (RuntimeException | InternalError e) {
                // One session's failure (InternalError: a fault in guest memory the front-end shrank)
                // ends that session only: this thread goes on to the next connection.
                LOG.error("vhost-user session failed; waiting for the next connection", e);
                session.close();
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

    /**
     * Whether the loop thread is still running. After {@link #close} it is false unless the thread
     * did not end in time, in which case its counters must not be freed (it may still count).
     */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Stops serving: the current session ends and releases everything, the thread exits. */
    @Override
    public void close() {
        stopping = true;
        connector.close();
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
