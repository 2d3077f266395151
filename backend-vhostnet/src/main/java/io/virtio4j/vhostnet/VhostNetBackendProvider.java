package io.virtio4j.vhostnet;

import java.util.List;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.BackendConfig;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.BackendOption;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackendProvider;
import io.virtio4j.spi.OptionType;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapException;

/** {@code vhost-net:tap=NAME[,queues=N]}: the kernel's vhost worker moves the frames between the rings and a TAP. */
public final class VhostNetBackendProvider implements NetBackendProvider {
    static final String NAME = "vhost-net";
    /** Queue pairs at most: one vhost device and one kernel worker thread each. */
    static final int MAX_QUEUE_PAIRS = 16;

    static final BackendOption<String> TAP = BackendOption.required("tap", OptionType.STRING,
            "TAP interface to create or attach to (1..15 characters), opened with the virtio-net header");
    static final BackendOption<Integer> QUEUES = BackendOption.optional("queues", OptionType.integer(1, MAX_QUEUE_PAIRS), "1",
            "queue pairs, one /dev/vhost-net and one TAP queue each (more than 1 opens a multi-queue TAP)");

    /** The provider {@link java.util.ServiceLoader} instantiates. */
    public VhostNetBackendProvider() {
        // Stateless: every open builds its own backend.
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the kernel's vhost-net worker runs the rings, frames to a kernel TAP (needs /dev/vhost-net)";
    }

    @Override
    public List<BackendOption<?>> options() {
        return List.of(TAP, QUEUES);
    }

    @Override
    public NetBackend open(BackendConfig config) {
        TapConfig tap;
        try {
            tap = TapConfig.of(config.get(TAP), config.get(QUEUES));
        } catch (TapException e) {
            // An interface name the kernel cannot take is a configuration error, reported as such.
            throw new BackendConfigException("backend 'vhost-net': " + e.getMessage() + "; valid options:\n"
                    + BackendConfig.usage(options()));
        }
        return VhostNetBackend.open(tap, Platform.linux());
    }
}
