package io.virtio4j.vhostuser;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.virtio4j.spi.BackendConfig;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.BackendOption;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackendProvider;
import io.virtio4j.spi.OptionType;

/**
 * {@code vhost-user:path=SOCK[,mode=client|server][,reconnect=1s][,queues=N][,reply-timeout=5s][,packed=false]}: the device's data
 * queues are run by another process (a vhost-user switch, DPDK, OVS-DPDK) that maps the guest memory;
 * this process is the vhost-user front-end.
 */
public final class VhostUserBackendProvider implements NetBackendProvider {
    static final String NAME = "vhost-user";

    static final BackendOption<String> PATH = BackendOption.required("path", OptionType.STRING,
            "the vhost-user socket");
    static final BackendOption<String> MODE = BackendOption.optional("mode", OptionType.oneOf("client", "server"), "client",
            "client: connect to a back-end listening on path, retrying; server: listen on path, the back-end connects");
    static final BackendOption<Duration> RECONNECT = BackendOption.optional("reconnect", OptionType.DURATION, "1s",
            "retry interval while the back-end is away (client), pause after a refused handshake (both)");
    static final BackendOption<Integer> QUEUES = BackendOption.optional("queues",
            OptionType.integer(1, FrontendConfig.MAX_QUEUE_PAIRS), "1", "queue pairs (the back-end must serve as many)");

    static final BackendOption<Duration> REPLY_TIMEOUT = BackendOption.optional("reply-timeout", OptionType.DURATION, "5s",
            "how long to wait for each reply of the back-end before dropping the connection and trying again");

    static final BackendOption<Boolean> PACKED = BackendOption.optional("packed", OptionType.BOOLEAN, "true",
            "offer packed virtqueues (VIRTIO_F_RING_PACKED) when the back-end does; false: split rings only");

    private static final List<BackendOption<?>> OPTIONS = List.of(PATH, MODE, RECONNECT, QUEUES, REPLY_TIMEOUT, PACKED);

    /** The provider {@link java.util.ServiceLoader} instantiates. */
    public VhostUserBackendProvider() {
        // Stateless: every open builds its own backend.
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "virtio-net queues run by another process over a vhost-user socket (a switch, DPDK, OVS-DPDK); needs fd-backed guest memory";
    }

    @Override
    public List<BackendOption<?>> options() {
        return OPTIONS;
    }

    @Override
    public NetBackend open(BackendConfig config) {
        return VhostUserNetBackend.open(toFrontendConfig(config));
    }

    /** The front-end configuration of a validated backend configuration. */
    static FrontendConfig toFrontendConfig(BackendConfig config) {
        try {
            return new FrontendConfig(Path.of(config.get(PATH)),
                    FrontendConfig.Mode.valueOf(config.get(MODE).toUpperCase(Locale.ROOT)), config.get(RECONNECT),
                    config.get(QUEUES), config.get(REPLY_TIMEOUT), config.get(PACKED));
        } catch (IllegalArgumentException e) {
            // Valid one by one but not usable (a zero interval, a path the OS cannot take).
            throw new BackendConfigException("backend '" + NAME + "': " + e.getMessage() + "; valid options:\n"
                    + BackendConfig.usage(OPTIONS));
        }
    }
}
