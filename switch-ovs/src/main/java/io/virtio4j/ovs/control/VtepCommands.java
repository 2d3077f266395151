package io.virtio4j.ovs.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.l2.FdbEntry;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.vxlan.Vtep;
import io.virtio4j.ovs.vxlan.VtepSet;
import io.virtio4j.ovs.vxlan.VxlanPort;

/**
 * The control side of VXLAN ports: {@code vteps} (each remote VTEP's traffic and the MACs behind
 * it), {@code fdb} with a {@code vtep} column (the VTEP a MAC learned on a tunnel sits behind), and
 * {@code add-vtep}/{@code del-vtep PORT ADDRESS}, which edit the port's {@code remote} key through
 * {@link LiveConfig} (saved in the config file, applied live: the port keeps its socket, the VTEPs
 * that stay keep their counters and MACs).
 */
final class VtepCommands {
    private static final List<List<String>> CHANGE = List.of(List.of("change"));

    /** Their entries in the offline catalog ({@link CtlCommands#ALL}). */
    static final List<CtlCommands.Entry> CATALOG = List.of(
            new CtlCommands.Entry("vteps", "per VXLAN port and remote VTEP: inner frames and bytes each way, MACs learned"
                    + " behind it", List.of(List.of("port", "vtep", "rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "macs")),
                    Map.of()),
            new CtlCommands.Entry("add-vtep", "add a remote VTEP to a vxlan port (its remote key); saved in the config file",
                    CHANGE, Map.of(), "PORT ADDRESS"),
            new CtlCommands.Entry("del-vtep", "remove a remote VTEP of a vxlan port (the MACs learned behind it are"
                    + " forgotten); saved in the config file", CHANGE, Map.of(), "PORT ADDRESS"));

    private VtepCommands() {
    }

    /** Registers {@code vteps} and replaces {@code fdb} with the table that names each remote MAC's VTEP. */
    static void registerTables(CommandRegistry registry, VirtualSwitch sw) {
        registry.register("vteps", () -> vteps(sw));
        registry.replace("fdb", () -> {
            OvsPipeline pipeline = (OvsPipeline) sw.pipeline();
            return PipelineTables.fdb(pipeline.fdb(), pipeline.spec().ports(), vtepColumn(sw));
        });
    }

    /** Registers {@code add-vtep} and {@code del-vtep}; without {@code live} they answer why they cannot work. */
    static void registerChanges(CommandRegistry registry, LiveConfig live) {
        registry.registerWithArguments("add-vtep", arguments -> change(live, "add-vtep", arguments, true));
        registry.registerWithArguments("del-vtep", arguments -> change(live, "del-vtep", arguments, false));
    }

    private static Table change(LiveConfig live, String command, List<String> arguments, boolean add) {
        if (live == null) {
            throw new ControlException(command + ": this switch cannot change while it runs (it was not started from a"
                    + " config file by ./virtio4j switch --config FILE)");
        }
        if (arguments.size() != 2) {
            throw new ControlException(command + " takes a port and an address: " + command + " PORT ADDRESS");
        }
        String name = arguments.get(0);
        PortSpec port = live.running().spec().ports().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new ControlException(command + ": no port " + name));
        if (port.type() != PortType.VXLAN) {
            throw new ControlException(command + ": port " + name + " is a " + port.type().configName() + " port, not vxlan");
        }
        int address;
        try {
            address = Ipv4.parse(arguments.get(1));
        } catch (IllegalArgumentException e) {
            throw new ControlException(command + ": '" + arguments.get(1) + "' is not an IPv4 address");
        }
        List<Integer> remotes = new ArrayList<>(port.vxlan().remotes());
        if (add && remotes.contains(address)) {
            throw new ControlException(command + ": " + name + " already has VTEP " + Ipv4.format(address));
        }
        if (!add && !remotes.remove((Integer) address)) {
            throw new ControlException(command + ": " + name + " has no VTEP " + Ipv4.format(address) + "; it has "
                    + remotes.stream().map(Ipv4::format).toList());
        }
        if (add) {
            remotes.add(address);
        }
        String value = remotes.isEmpty() ? "none" : remotes.stream().map(Ipv4::format).collect(Collectors.joining(","));
        return live.set("port", List.of(name, "remote=" + value));
    }

    static Table vteps(VirtualSwitch sw) {
        Table table = Table.of("port", "vtep", "rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "macs");
        for (PortSpec p : sw.spec().ports()) {
            if (p.type() != PortType.VXLAN) {
                continue;
            }
            VxlanPort port = sw.vxlanPort(p.name());
            VtepSet vteps = port.vteps();
            Map<Integer, Integer> macs = new HashMap<>();
            for (FdbEntry e : port.remoteMacs()) {
                macs.merge(e.port(), 1, Integer::sum);
            }
            for (int i = 0; i < vteps.size(); i++) {
                Vtep v = vteps.get(i);
                table.row(p.name(), Ipv4.format(v.address()), v.rxFrames(), v.rxBytes(), v.txFrames(), v.txBytes(),
                        (long) macs.getOrDefault(v.slot(), 0));
            }
        }
        return table;
    }

    /** For {@code fdb}: the VTEP a MAC learned on a vxlan port sits behind, "-" for every other entry. */
    static java.util.function.Function<FdbEntry, String> vtepColumn(VirtualSwitch sw) {
        List<PortSpec> ports = sw.spec().ports();
        Map<String, String> where = new HashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).type() != PortType.VXLAN) {
                continue;
            }
            VxlanPort port = sw.vxlanPort(ports.get(i).name());
            VtepSet vteps = port.vteps();
            for (FdbEntry e : port.remoteMacs()) {
                Vtep v = vteps.bySlot(e.port());
                if (v != null) {
                    where.put(i + "/" + e.vlan() + "/" + e.mac(), Ipv4.format(v.address()));
                }
            }
        }
        return e -> where.getOrDefault(e.port() + "/" + e.vlan() + "/" + e.mac(), "-");
    }
}
