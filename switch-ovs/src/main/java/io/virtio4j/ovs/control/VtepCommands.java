package io.virtio4j.ovs.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.config.SwitchConfigWriter;
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
                    + " behind it, the VNIs it carries", List.of(List.of("port", "vtep", "rx_frames", "rx_bytes", "tx_frames",
                    "tx_bytes", "macs", "vnis")), Map.of()),
            new CtlCommands.Entry("add-vtep", "add a remote VTEP to a vxlan port (its remote key), carrying every VNI of the"
                    + " port or only the ones given (vni=5010,5020), or change an existing VTEP's VNIs; saved in the config file",
                    CHANGE, Map.of(), "PORT ADDRESS [vni=VNI,...]"),
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
        if (arguments.size() != 2 && !(add && arguments.size() == 3)) {
            throw new ControlException(command + " takes a port and an address: " + command + " PORT ADDRESS"
                    + (add ? " [vni=5010,5020]" : ""));
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
        Map<Integer, Set<Integer>> limits = new HashMap<>(port.vxlan().remoteVnis());
        String vnis = arguments.size() == 3 ? arguments.get(2) : null;
        if (vnis != null && !vnis.startsWith("vni=")) {
            throw new ControlException(command + ": '" + vnis + "' is not vni=VNI,...; write " + command + " " + name + " "
                    + arguments.get(1) + " vni=5010,5020");
        }
        if (add && remotes.contains(address) && vnis == null) {
            throw new ControlException(command + ": " + name + " already has VTEP " + Ipv4.format(address)
                    + "; to change its VNIs add vni=VNI,...");
        }
        if (!add && !remotes.remove((Integer) address)) {
            throw new ControlException(command + ": " + name + " has no VTEP " + Ipv4.format(address) + "; it has "
                    + remotes.stream().map(Ipv4::format).toList());
        }
        limits.remove(address);
        if (add && !remotes.contains(address)) {
            remotes.add(address);
        }
        // The new VNIs go into the key's text as given: the config reader checks them (its errors name the fix).
        // One word, as set-port takes it: commas between addresses and VNI lists alike.
        List<String> parts = new ArrayList<>();
        for (int remote : remotes) {
            parts.add(remote == address ? Ipv4.format(address) + (vnis == null ? "" : "," + vnis)
                    : SwitchConfigWriter.remotePart(remote, limits.get(remote), ","));
        }
        String value = remotes.isEmpty() ? "none" : String.join(",", parts);
        return live.set("port", List.of(name, "remote=" + value));
    }

    static Table vteps(VirtualSwitch sw) {
        Table table = Table.of("port", "vtep", "rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "macs", "vnis");
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
                Set<Integer> limit = vteps.limit(v);
                table.row(p.name(), Ipv4.format(v.address()), v.rxFrames(), v.rxBytes(), v.txFrames(), v.txBytes(),
                        (long) macs.getOrDefault(v.slot(), 0),
                        limit == null ? "all" : limit.stream().map(String::valueOf).collect(Collectors.joining(",")));
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
