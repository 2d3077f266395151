package io.virtio4j.vhostuser;

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
    private final Path path;
    private final long retryNanos;
    private final Object sleeper = new Object();
    private volatile boolean closing;

    private VhostUserClient(Path path, Duration retry, BackendConfig config, Supplier<RingListener> listeners) {
        super("vhost-user-client " + path, config, listeners);
        this.path = path;
        this.retryNanos = retry.toNanos();
    }

    /** Starts connecting to {@code path}, retrying every {@code retry}. */
    public static VhostUserClient connect(Path path, Duration retry, BackendConfig config, Supplier<RingListener> listeners) {
        if (retry.isNegative() || retry.isZero()) {
            throw new IllegalArgumentException("retry interval must be positive: " + retry);
        }
        VhostUserClient client = new VhostUserClient(path, retry, config, listeners);
        client.start();
        return client;
    }

    @Override
    UnixSocket nextConnection() throws InterruptedException {
        while (!closing) {
            try {
                return UnixSocket.connect(path);
            } catch (VhostUserException e) {
                synchronized (sleeper) {
                    if (!closing) {
                        sleeper.wait(retryNanos / 1_000_000, (int) (retryNanos % 1_000_000));
                    }
                }
            }
        }
        return null;
    }

    @Override
    void wakeUp() {
        synchronized (sleeper) {
            closing = true;
            sleeper.notifyAll();
        }
    }
}
