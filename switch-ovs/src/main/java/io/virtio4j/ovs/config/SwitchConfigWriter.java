package io.virtio4j.ovs.config;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.PortOffload;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.spi.net.MacAddress;

import java.time.Duration;
import java.util.stream.Collectors;

/**
 * Writes a {@link SwitchConfig} in the file format {@link SwitchConfigReader} reads, so a switch
 * built in Java can be saved and a running one can show its configuration. Routes and neighbours
 * have no names in the model; they are written as {@code r1, r2, ...} and {@code n1, n2, ...}.
 */
public final class SwitchConfigWriter {
    private SwitchConfigWriter() {
    }

    /** The config file text for {@code config}, in the format {@link SwitchConfigReader} reads. */
    public static String write(SwitchConfig config) {
        SwitchSpec spec = config.spec();
        StringBuilder out = new StringBuilder();
        out.append("[switch]\n")
                .append("l3 = ").append(spec.l3().configName()).append('\n')
                .append("pmd-threads = ").append(spec.pmdThreads()).append('\n');
        if (!config.pmdCpus().isEmpty()) {
            out.append("pmd-cpus = ").append(config.pmdCpus().stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(","))).append('\n');
        }
        out.append("fdb-max = ").append(spec.fdb().maxEntries()).append('\n')
                .append("fdb-ageing = ").append(duration(spec.fdb().ageing())).append('\n')
                .append("control = ").append(config.controlSocket()).append('\n')
                .append("counters = ").append(config.countersFile()).append('\n')
                .append("max-guest-memory = ").append(bytes(spec.maxGuestMemory())).append('\n');
        if (config.metrics() != null) {
            out.append("metrics = ").append(config.metrics()).append('\n');
        }
        if (config.openflow() != null) {
            out.append("openflow = ").append(config.openflow()).append('\n');
        }
        if (!config.controllers().isEmpty()) {
            out.append("controller = ").append(String.join(", ", config.controllers().stream().map(Object::toString).toList()))
                    .append('\n');
            out.append("fail-mode = ").append(config.failSecure() ? "secure" : "standalone").append('\n');
        }
        LogSettings log = config.logging();
        if (!log.equals(LogSettings.DEFAULTS)) {
            out.append("log-level = ").append(log.level()).append('\n');
            log.loggers().forEach((logger, level) -> out.append("log-level.").append(logger).append(" = ").append(level)
                    .append('\n'));
            if (log.file() != null) {
                out.append("log-file = ").append(log.file()).append('\n');
            }
        }
        for (SubnetSpec s : spec.subnets()) {
            out.append("\n[subnet ").append(s.name()).append("]\n")
                    .append("prefix = ").append(s.prefix()).append('\n')
                    .append("vlan = ").append(s.vlan()).append('\n')
                    .append("gateway = ").append(Ipv4.format(s.gateway())).append('\n')
                    .append("gateway-mac = ").append(MacAddress.format(s.gatewayMac())).append('\n');
        }
        for (PortSpec p : spec.ports()) {
            writePort(out, p);
        }
        int n = 0;
        for (RouteSpec r : spec.routes()) {
            out.append("\n[route r").append(++n).append("]\n")
                    .append("destination = ").append(r.destination()).append('\n')
                    .append("via = ").append(Ipv4.format(r.nextHop())).append('\n');
            if (r.vlan() != 0) {
                out.append("vlan = ").append(r.vlan()).append('\n');
            }
        }
        n = 0;
        for (NeighbourSpec nb : spec.neighbours()) {
            out.append("\n[neighbour n").append(++n).append("]\n")
                    .append("ip = ").append(Ipv4.format(nb.ip())).append('\n')
                    .append("mac = ").append(MacAddress.format(nb.mac())).append('\n')
                    .append("vlan = ").append(nb.vlan()).append('\n');
        }
        return out.toString();
    }

    /** The {@code remote} key's value: {@code 192.0.2.2 vni=5010,5020, 192.0.2.3}. */
    static String remoteValue(io.virtio4j.ovs.model.VxlanSpec v) {
        return v.remotes().stream().map(a -> remotePart(a, v.remoteVnis().get(a), " ")).collect(Collectors.joining(", "));
    }

    /**
     * One VTEP of the {@code remote} key: its address, then {@code separator}, {@code vni=} and its
     * VNIs if {@code limit} is not null. The reader takes a space or a comma there; ctl, whose
     * values are one word, writes a comma.
     */
    public static String remotePart(int address, java.util.Set<Integer> limit, String separator) {
        return Ipv4.format(address) + (limit == null ? ""
                : separator + "vni=" + limit.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }

    /** A vxlan port's own keys (its VLANs are its mapping's; queues and the rest do not apply). */
    private static void writeVxlan(StringBuilder out, PortSpec p) {
        io.virtio4j.ovs.model.VxlanSpec v = p.vxlan();
        out.append("local = ").append(Ipv4.format(v.localAddress())).append('\n')
                .append("udp-port = ").append(v.udpPort()).append('\n')
                .append("vni = ").append(v.vniByVlan().entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                        .collect(Collectors.joining(", "))).append('\n');
        if (!v.remotes().isEmpty()) {
            out.append("remote = ").append(remoteValue(v)).append('\n');
        }
        out.append("underlay-mtu = ").append(v.underlayMtu()).append('\n')
                .append("pmd = ").append(p.pmd() < 0 ? "auto" : String.valueOf(p.pmd())).append('\n');
    }

    private static void writePort(StringBuilder out, PortSpec p) {
        out.append("\n[port ").append(p.name()).append("]\n")
                .append("type = ").append(p.type().configName()).append('\n');
        if (p.vxlan() != null) {
            writeVxlan(out, p);
            return;
        }
        switch (p.type()) {
            case VHOST_USER_SERVER, VHOST_USER_CLIENT -> out.append("path = ").append(p.target()).append('\n');
            case TAP, INTERNAL -> out.append("ifname = ").append(p.target()).append('\n');
            case IN_PROCESS, VXLAN -> {
                // Addressed by its name; a vxlan port was written by writeVxlan.
            }
        }
        if (p.vlan().isTrunk()) {
            out.append("trunk = ").append(p.vlan().trunkVlans().stream().sorted().map(String::valueOf)
                    .collect(Collectors.joining(","))).append('\n');
        } else {
            out.append("vlan = ").append(p.vlan().accessVlan()).append('\n');
        }
        out.append("queues = ").append(p.queuePairs()).append('\n');
        if (p.type() == PortType.VHOST_USER_CLIENT) {
            out.append("reconnect = ").append(duration(p.reconnect())).append('\n');
        }
        out.append("pmd = ").append(p.pmd() < 0 ? "auto" : String.valueOf(p.pmd())).append('\n');
        out.append("mtu = ").append(p.mtu()).append('\n');
        if (p.type() == PortType.VHOST_USER_SERVER || p.type() == PortType.VHOST_USER_CLIENT) {
            out.append("max-guest-memory = ").append(bytes(p.maxGuestMemory())).append('\n');
            out.append("offloads = ").append(p.offloads().isEmpty() ? "none" : java.util.Arrays.stream(PortOffload.values())
                    .filter(p.offloads()::contains).map(PortOffload::configName).collect(Collectors.joining(","))).append('\n');
        }
    }

    /** The largest binary unit that states {@code bytes} exactly, as the reader accepts it. */
    static String bytes(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        for (int i = 0; i < units.length; i++) {
            int shift = 40 - 10 * i;
            if (bytes % (1L << shift) == 0) {
                return (bytes >> shift) + units[i];
            }
        }
        // The reader takes no bare byte counts; a limit built in code is rounded up to whole KiB.
        return ((bytes + 1023) >> 10) + "K";
    }

    /** The largest unit that states {@code d} exactly, as the reader accepts it. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
