package io.virtio4j.ovs.gateway;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.tap.TapDevice;

import java.util.Objects;

/**
 * One gateway NIC: a TAP inside the gateway namespace whose fd the switch holds, to attach as an
 * internal port on the subnet's VLAN. Frames the switch writes to it enter the namespace's
 * routing; frames the namespace routes out of it are read from it.
 *
 * @param subnet the subnet it is the gateway of (its address is {@code subnet.gateway()}, its MAC {@code subnet.gatewayMac()})
 * @param ifname its name inside the gateway namespace
 * @param tap    the open TAP (one queue, 12-byte virtio-net header); owned by the {@link GatewayNamespace}
 */
public record GatewayPort(SubnetSpec subnet, String ifname, TapDevice tap) {
    /** Switch port names of gateway NICs start with this; the config reader's names may too, so a clash is reported at start. */
    public static final String PORT_NAME_PREFIX = "gw-";

    /** Checks that subnet, name and TAP are given. */
    public GatewayPort {
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(ifname, "ifname");
        Objects.requireNonNull(tap, "tap");
    }

    /** The switch port this NIC becomes: {@code gw-SUBNET}. */
    public String portName() {
        return PORT_NAME_PREFIX + subnet.name();
    }

    /** The internal port, an access port of the subnet's VLAN, that adopts this NIC's TAP. */
    public PortSpec portSpec() {
        return PortSpec.access(portName(), PortType.INTERNAL, ifname, subnet.vlan());
    }
}
