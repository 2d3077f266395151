package io.virtio4j.vhostuser;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Server mode: listens on a path and serves one front-end at a time. When a front-end disconnects,
 * its session drops every mapping and fd, and the next connection is accepted.
 */
public final class VhostUserServer extends SessionLoop {
    private VhostUserServer(UnixListener listener, BackendConfig config, Supplier<RingListener> listeners) {
        super("vhost-user-server " + listener.path(), Connector.accepting(listener, Duration.ZERO), config, listeners);
    }

    /** Binds {@code path} (replacing a stale socket file) and starts serving. */
    public static VhostUserServer listen(Path path, BackendConfig config, Supplier<RingListener> listeners) {
        VhostUserServer server = new VhostUserServer(UnixListener.bind(path), config, listeners);
        server.start();
        return server;
    }
}
