package io.virtio4j.ovs.port;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.TapException;

/**
 * Internal ports (like Open vSwitch's): a TAP the switch creates, brings up and owns, so the host
 * (or a gateway namespace) has an interface on the switch. The data path is {@link TapPort}'s.
 */
public final class InternalPort {
    private InternalPort() {
    }

    /** Creates the TAP named by the spec's target (it must not exist yet) and sets its link up. */
    public static TapPort create(PortSpec spec) {
        TapDevice device = TapPort.openTap(spec, true);
        try {
            device.setLinkUp();
        } catch (TapException e) {
            device.close();
            throw new PortException("port " + spec.name() + ": " + e.getMessage(), e);
        }
        return new TapPort(spec, device, true);
    }

    /**
     * Takes over an already open TAP (a gateway NIC the control side created and moved into a
     * namespace); the switch closes it with the port.
     */
    public static TapPort adopt(PortSpec spec, TapDevice device) {
        return new TapPort(spec, device, true);
    }
}
