package io.virtio4j.ovs;

import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.port.PortStats;

/**
 * A port as the control interface shows it.
 *
 * @param index     the port's index (its position in the switch spec)
 * @param connected whether frames can flow (a vhost-user front-end attached), else "waiting"
 * @param pmd       the PMD thread that polls it
 * @param deviceDrops frames the port's device layer refused (see {@code SwitchPort.deviceDrops})
 */
public record PortInfo(int index, String name, PortType type, String target, boolean connected, PortVlan vlan,
                       int pmd, PortStats stats, long deviceDrops) {
    /** "connected" or "waiting", as shown to an operator. */
    public String state() {
        return connected ? "connected" : "waiting";
    }
}
