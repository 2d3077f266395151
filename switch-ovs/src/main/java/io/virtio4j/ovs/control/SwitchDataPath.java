package io.virtio4j.ovs.control;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.gateway.GatewayPort;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's data path: the configured switch plus, with {@code ipforward}, one internal port per
 * gateway NIC ({@code gw-SUBNET} on the subnet's VLAN, adopting the TAP the namespace opened), run
 * through an {@link OvsPipeline} by a {@link VirtualSwitch} whose counters live in the counters
 * file. Registers the live control tables (ports, pmd-stats, fdb, flows, routes, neighbours, drops).
 */
public final class SwitchDataPath {
    private SwitchDataPath() {
    }

    /** Starts the switch; closing the result stops its PMD threads and closes its ports. */
    public static VirtualSwitch start(SwitchResources resources) {
        SwitchSpec spec = withGatewayPorts(resources.config().spec(), resources.gatewayPorts());
        OvsPipeline pipeline;
        try {
            pipeline = new OvsPipeline(spec, System.nanoTime());
        } catch (IllegalArgumentException e) {
            throw new ControlException("the flow program cannot be built: " + e.getMessage(), e);
        }
        VirtualSwitch.Builder builder = VirtualSwitch.builder(spec).pipeline(pipeline).counters(resources.counters())
                .pmdCpus(resources.config().pmdCpus());
        for (GatewayPort g : resources.gatewayPorts()) {
            // The switch reads and writes the NIC; the namespace owns the TAP too and closing it twice is harmless.
            builder.internalDevice(g.portName(), g.tap());
        }
        VirtualSwitch sw = builder.start();
        try {
            // The running switch's pipeline, whichever a live reconfiguration made last.
            PipelineTables.register(resources.commands(), () -> (OvsPipeline) sw.pipeline());
            DataPathTables.register(resources.commands(), sw);
            VtepCommands.registerTables(resources.commands(), sw);
            CaptureCommands.register(resources.commands(), sw);
        } catch (RuntimeException e) {
            sw.close();
            throw e;
        }
        return sw;
    }

    /** {@code spec} with the gateway NICs appended as internal ports (so configured port indices do not move). */
    static SwitchSpec withGatewayPorts(SwitchSpec spec, List<GatewayPort> gateways) {
        if (gateways.isEmpty()) {
            return spec;
        }
        List<PortSpec> ports = new ArrayList<>(spec.ports());
        for (GatewayPort g : gateways) {
            if (spec.ports().stream().anyMatch(p -> p.name().equals(g.portName()))) {
                throw new ControlException("port " + g.portName() + " is the name the switch gives the gateway NIC of subnet "
                        + g.subnet().name() + " with l3 = ipforward; rename the [port " + g.portName() + "] section");
            }
            ports.add(g.portSpec());
        }
        return spec.withPorts(ports);
    }
}
