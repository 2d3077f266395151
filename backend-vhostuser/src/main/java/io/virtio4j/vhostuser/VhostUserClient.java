package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.transport.Connector;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Client mode: connects to a front-end that listens (QEMU {@code server=on}, DPDK virtio-user
 * {@code server=1}, OVS dpdkvhostuserclient), retrying forever at a fixed interval, and reconnects
 * the same way after every disconnect. The front-end replays the handshake on each connection, so
 * rings resume from the SET_VRING_BASE it sends.
 */
public final class VhostUserClient extends SessionLoop {
    private VhostUserClient(Path path, Duration retry, BackendConfig config, Supplier<RingListener> listeners,
                            GuestMemoryBudget budget, VhostUserCounters counters) {
        super("vhost-user-client " + path, Connector.connecting(path, retry), config, listeners, budget, counters);
    }

    /** Starts connecting to {@code path}, retrying every {@code retry}. */
    public static VhostUserClient connect(Path path, Duration retry, BackendConfig config, Supplier<RingListener> listeners) {
        return connect(path, retry, config, listeners, GuestMemoryBudget.unlimited());
    }

    /** As above, with the guest memory of every session also counted against {@code budget} (shared with other sockets). */
    public static VhostUserClient connect(Path path, Duration retry, BackendConfig config, Supplier<RingListener> listeners,
                                          GuestMemoryBudget budget) {
        return connect(path, retry, config, listeners, budget, new VhostUserCounters());
    }

    /**
     * As above, counting into {@code counters} (a switch port's, allocated in its counters file),
     * which the caller frees after {@link #close} once the loop thread has ended ({@link #isAlive}).
     */
    public static VhostUserClient connect(Path path, Duration retry, BackendConfig config, Supplier<RingListener> listeners,
                                          GuestMemoryBudget budget, VhostUserCounters counters) {
        VhostUserClient client = new VhostUserClient(path, retry, config, listeners, budget, counters);
        client.start();
        return client;
    }
}
