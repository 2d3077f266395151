package io.virtio4j.tap;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.BackendConfig;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.BackendOption;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackendProvider;
import io.virtio4j.spi.OptionType;

import java.util.List;

/** {@code tap:ifname=NAME[,queues=N][,vnet_hdr=BOOL]}: virtio-net frames to and from a kernel TAP. */
public final class TapBackendProvider implements NetBackendProvider {
    static final String NAME = "tap";
    /** Queue pairs a TAP backend serves at most (one worker thread each). */
    static final int MAX_QUEUE_PAIRS = 16;

    static final BackendOption<String> IFNAME = BackendOption.required("ifname", OptionType.STRING,
            "TAP interface to create or attach to (1..15 characters)");
    static final BackendOption<Integer> QUEUES = BackendOption.optional("queues", OptionType.integer(1, MAX_QUEUE_PAIRS), "1",
            "queue pairs, one TAP queue and one thread each (more than 1 opens a multi-queue TAP)");
    static final BackendOption<Boolean> VNET_HDR = BackendOption.optional("vnet_hdr", OptionType.BOOLEAN, "true",
            "pass the virtio-net header to the TAP (IFF_VNET_HDR): needed for checksum and GSO offloads");

    /** The provider {@link java.util.ServiceLoader} instantiates. */
    public TapBackendProvider() {
        // Stateless: every open builds its own backend.
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "in-process virtio-net data path to a kernel TAP device (readv/writev straight from guest memory)";
    }

    @Override
    public List<BackendOption<?>> options() {
        return List.of(IFNAME, QUEUES, VNET_HDR);
    }

    @Override
    public NetBackend open(BackendConfig config) {
        return TapNetBackend.open(toTapConfig(config), Platform.linux());
    }

    /** The TAP to open for a validated configuration (create it, or attach to an existing one). */
    static TapConfig toTapConfig(BackendConfig config) {
        try {
            return new TapConfig(config.get(IFNAME), config.get(QUEUES), false, config.get(VNET_HDR));
        } catch (TapException e) {
            // An interface name the kernel cannot take is a configuration error, reported as such.
            throw new BackendConfigException("backend 'tap': " + e.getMessage() + "; valid options:\n"
                    + BackendConfig.usage(List.of(IFNAME, QUEUES, VNET_HDR)));
        }
    }
}
