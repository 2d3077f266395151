package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.transport.Connector;
import io.virtio4j.vhostuser.transport.UnixListener;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Server mode: listens on a path and serves one front-end at a time. When a front-end disconnects,
 * its session drops every mapping and fd, and the next connection is accepted.
 */
public final class VhostUserServer extends SessionLoop {
    /** How long to wait after a failed accept (out of fds, say) before the next. */
    private static final Duration ACCEPT_FAILURE_PAUSE = Duration.ofMillis(100);

    private VhostUserServer(UnixListener listener, BackendConfig config, Supplier<RingListener> listeners,
                            GuestMemoryBudget budget, VhostUserCounters counters) {
        super("vhost-user-server " + listener.path(), Connector.accepting(listener, ACCEPT_FAILURE_PAUSE), config, listeners,
                budget, counters);
    }

    /** Binds {@code path} (replacing a stale socket file) and starts serving. */
    public static VhostUserServer listen(Path path, BackendConfig config, Supplier<RingListener> listeners) {
        return listen(path, config, listeners, GuestMemoryBudget.unlimited());
    }

    /** As above, with the guest memory of every session also counted against {@code budget} (shared with other sockets). */
    public static VhostUserServer listen(Path path, BackendConfig config, Supplier<RingListener> listeners,
                                         GuestMemoryBudget budget) {
        return listen(path, config, listeners, budget, new VhostUserCounters());
    }

    /**
     * As above, counting into {@code counters} (a switch port's, allocated in its counters file),
     * which the caller frees after {@link #close} once the loop thread has ended ({@link #isAlive}).
     */
    public static VhostUserServer listen(Path path, BackendConfig config, Supplier<RingListener> listeners,
                                         GuestMemoryBudget budget, VhostUserCounters counters) {
        VhostUserServer server = new VhostUserServer(UnixListener.bind(path), config, listeners, budget, counters);
        server.start();
        return server;
    }
}
