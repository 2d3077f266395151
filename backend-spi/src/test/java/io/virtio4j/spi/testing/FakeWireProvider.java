package io.virtio4j.spi.testing;

import java.time.Duration;
import java.util.List;

import io.virtio4j.spi.BackendConfig;
import io.virtio4j.spi.BackendOption;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackendProvider;
import io.virtio4j.spi.OptionType;
import io.virtio4j.spi.net.NetDataPlane;

/** A provider registered through META-INF/services in the test resources, to prove discovery. */
public final class FakeWireProvider implements NetBackendProvider {
    public static final BackendOption<String> PATH = BackendOption.required("path", OptionType.STRING, "socket path");
    public static final BackendOption<Integer> QUEUES = BackendOption.optional("queues", OptionType.integer(1, 16), "1", "queue pairs");
    public static final BackendOption<String> MODE = BackendOption.optional("mode", OptionType.oneOf("client", "server"), "server", "socket role");
    public static final BackendOption<Duration> RECONNECT = BackendOption.optional("reconnect", OptionType.DURATION, "1s", "retry interval");

    @Override
    public String name() {
        return "fake-wire";
    }

    @Override
    public String description() {
        return "test backend";
    }

    @Override
    public List<BackendOption<?>> options() {
        return List.of(PATH, QUEUES, MODE, RECONNECT);
    }

    @Override
    public NetBackend open(BackendConfig config) {
        int queues = config.get(QUEUES);
        return new NetBackend() {
            @Override
            public String name() {
                return "fake-wire";
            }

            @Override
            public long supportedFeatures() {
                return 0;
            }

            @Override
            public int maxQueuePairs() {
                return queues;
            }

            @Override
            public void start(NetDataPlane plane) {
                if (plane.queues().size() > 2 * queues) {
                    throw new IllegalArgumentException("more queues than configured");
                }
            }

            @Override
            public int[] stop() {
                return new int[0];
            }

            @Override
            public void close() {
            }
        };
    }
}
