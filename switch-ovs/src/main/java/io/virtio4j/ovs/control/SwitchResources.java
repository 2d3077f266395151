package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.gateway.GatewayPort;

import java.util.List;
import java.util.Objects;

import org.agrona.concurrent.status.CountersManager;

/**
 * What the daemon has set up before the data path starts, handed to it in one piece.
 *
 * @param config       the config as read
 * @param counters     where the switch allocates its counters (backed by the shared counters file)
 * @param commands     where the switch registers its live control commands ({@code fdb}, {@code flows}, {@code pmd-stats})
 * @param gatewayPorts with {@code l3 = ipforward}: one gateway NIC per subnet, to attach as internal
 *                     ports on the subnet's VLAN; empty otherwise
 */
public record SwitchResources(SwitchConfig config, CountersManager counters, CommandRegistry commands,
                              List<GatewayPort> gatewayPorts) {
    /** Checks that config, counters and commands are given; copies the gateway ports. */
    public SwitchResources {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(commands, "commands");
        gatewayPorts = List.copyOf(gatewayPorts);
    }
}
