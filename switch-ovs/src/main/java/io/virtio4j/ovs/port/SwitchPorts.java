package io.virtio4j.ovs.port;

import java.util.Map;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.vhostuser.GuestMemoryBudget;

import org.agrona.concurrent.status.CountersManager;

/** Opens the port a {@link PortSpec} describes. */
public final class SwitchPorts {
    private SwitchPorts() {
    }

    /**
     * Opens {@code spec}'s port. An internal port whose name is a key of {@code handedIn} adopts
     * that already open TAP (a gateway NIC in a namespace) instead of creating one. A vhost-user
     * port's guest memory counts against {@code budget}, which the switch's ports share, and its
     * sessions count straight into {@code counters} (the switch's counters file; allocation there
     * is the caller's to serialize).
     */
    public static SwitchPort open(PortSpec spec, Map<String, TapDevice> handedIn, GuestMemoryBudget budget,
                                  CountersManager counters) {
        return switch (spec.type()) {
            case VHOST_USER_SERVER, VHOST_USER_CLIENT -> VhostUserPort.open(spec, budget, counters);
            case TAP -> TapPort.attach(spec);
            case INTERNAL -> handedIn.containsKey(spec.name())
                    ? InternalPort.adopt(spec, handedIn.get(spec.name()))
                    : InternalPort.create(spec);
            case IN_PROCESS -> new InProcessPort(spec);
            case VXLAN -> io.virtio4j.ovs.vxlan.VxlanPort.open(spec, io.virtio4j.api.platform.Platform.linux());
        };
    }
}
