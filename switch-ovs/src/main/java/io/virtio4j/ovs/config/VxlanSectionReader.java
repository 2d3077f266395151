package io.virtio4j.ovs.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.VxlanSpec;

/**
 * The keys of a {@code type = vxlan} port section: {@code local}, {@code udp-port}, {@code vni},
 * {@code remote}, {@code underlay-mtu}. The port's VLANs are the mapping's (it is a trunk of
 * them), so {@code vlan}, {@code trunk} and the keys of other types are refused here.
 */
final class VxlanSectionReader {
    /** Keys only a vxlan port has. */
    static final List<String> KEYS = List.of("local", "udp-port", "vni", "remote", "underlay-mtu");
    /**
     * Keys of other port types a vxlan port refuses (its VLANs come from {@code vni}; its size limit
     * is {@code underlay-mtu}; it takes only complete frames, so no offloads).
     */
    private static final List<String> FOREIGN = List.of("path", "ifname", "vlan", "trunk", "queues", "reconnect",
            "max-guest-memory", "offloads", "mtu");

    /** {@code remote = none}: no VTEP yet (what {@code ctl del-vtep} writes when it removes the last one). */
    public static final String NO_REMOTES = "none";

    private VxlanSectionReader() {
    }

    /** Refuses the vxlan keys in a section of another type. */
    static void refuseIn(SectionReader r, PortType type) {
        for (String key : KEYS) {
            if (r.has(key)) {
                throw r.error(r.section().entries().get(key), "'" + key + "' does not apply to a " + type.configName()
                        + " port: only vxlan ports have it; remove it or change the type");
            }
        }
    }

    /** The vxlan port {@code name} of the section {@code r} reads, polled by {@code pmd} (-1: any). */
    static PortSpec read(SectionReader r, String name, int pmd) {
        for (String key : FOREIGN) {
            if (r.has(key)) {
                throw r.error(r.section().entries().get(key), "'" + key + "' does not apply to a vxlan port"
                        + (key.equals("vlan") || key.equals("trunk") ? ": its VLANs are the ones 'vni' maps" : "")
                        + "; remove it");
            }
        }
        IniEntry localEntry = r.required("local", "192.0.2.1");
        int local = r.ipv4(localEntry);
        if (local == 0 || (local >>> 28) >= 0xe) {
            throw r.error(localEntry, "local = " + localEntry.value() + " is not a unicast address to bind to; use this host's underlay address");
        }
        int udpPort = r.integer("udp-port", VxlanSpec.DEFAULT_UDP_PORT, 1, 65535);
        Map<Integer, Integer> vnis = vniMap(r, r.required("vni", "10:5010, 20:5020"));
        Map<Integer, Set<Integer>> limits = new LinkedHashMap<>();
        List<Integer> remotes = remotes(r, local, new HashSet<>(vnis.values()), limits);
        int mtu = r.integer("underlay-mtu", VxlanSpec.DEFAULT_UNDERLAY_MTU, 576, 9216);
        return PortSpec.vxlan(name, new VxlanSpec(local, udpPort, vnis, remotes, mtu, limits), pmd);
    }

    private static Map<Integer, Integer> vniMap(SectionReader r, IniEntry entry) {
        Map<Integer, Integer> byVlan = new LinkedHashMap<>();
        Map<Integer, Integer> vlanOfVni = new HashMap<>();
        for (String part : entry.value().split(",", -1)) {
            String[] pair = part.strip().split(":", -1);
            if (pair.length != 2) {
                throw r.error(entry, "vni: '" + part.strip() + "' is not VLAN:VNI; write pairs like vni = 10:5010, 20:5020");
            }
            int vlan = r.vlan(entry, pair[0]);
            int vni;
            try {
                vni = Integer.parseInt(pair[1].strip());
            } catch (NumberFormatException e) {
                vni = -1;
            }
            if (vni < 1 || vni > VxlanSpec.MAX_VNI) {
                throw r.error(entry, "vni: '" + pair[1].strip() + "' is not a VNI; use 1.." + VxlanSpec.MAX_VNI);
            }
            if (byVlan.putIfAbsent(vlan, vni) != null) {
                throw r.error(entry, "vni maps VLAN " + vlan + " twice; a VLAN travels as one VNI");
            }
            Integer other = vlanOfVni.putIfAbsent(vni, vlan);
            if (other != null) {
                throw r.error(entry, "vni maps VNI " + vni + " to VLANs " + other + " and " + vlan + "; a VNI is one VLAN");
            }
        }
        return byVlan;
    }

    /**
     * The VTEPs of {@code remote}: addresses separated by commas, each optionally followed by
     * {@code vni=} and the VNIs (of {@code mapped}) it carries, themselves separated by commas:
     * {@code remote = 192.0.2.2 vni=5010,5020, 192.0.2.3}. A number after an address's VNI list is one
     * more VNI of it; an address starts the next VTEP. The limits go into {@code limits}.
     */
    private static List<Integer> remotes(SectionReader r, int local, Set<Integer> mapped, Map<Integer, Set<Integer>> limits) {
        IniEntry entry = r.section().entries().get("remote");
        List<Integer> remotes = new ArrayList<>();
        if (entry == null || entry.value().isBlank() || entry.value().equals(NO_REMOTES)) {
            return remotes;
        }
        Set<Integer> open = null;
        for (String token : entry.value().strip().split("\\s*,\\s*|\\s+", -1)) {
            if (token.startsWith("vni=")) {
                if (remotes.isEmpty() || open != null) {
                    throw r.error(entry, "remote: '" + token + "' must follow a VTEP's address, once; write remote = 192.0.2.2 vni=5010,5020, 192.0.2.3");
                }
                open = new TreeSet<>();
                limits.put(remotes.get(remotes.size() - 1), open);
                token = token.substring(4);
            } else if (open != null && !token.contains(".")) {
                // One more VNI of the address before.
            } else {
                open = null;
                remotes.add(vtep(r, entry, token, local, remotes));
                continue;
            }
            int vni;
            try {
                vni = Integer.parseInt(token);
            } catch (NumberFormatException e) {
                vni = -1;
            }
            String vtep = Ipv4.format(remotes.get(remotes.size() - 1));
            if (!mapped.contains(vni)) {
                throw r.error(entry, "remote: VTEP " + vtep + " is given VNI '" + token + "', which vni does not map;"
                        + " give it VNIs of " + new TreeSet<>(mapped) + " or map the VNI in vni first");
            }
            if (!open.add(vni)) {
                throw r.error(entry, "remote: VTEP " + vtep + " is given VNI " + vni + " twice; list each VNI once");
            }
        }
        return remotes;
    }

    /** One address of {@code remote}, checked against the local address and the ones before it. */
    private static int vtep(SectionReader r, IniEntry entry, String part, int local, List<Integer> remotes) {
        int ip;
        try {
            ip = Ipv4.parse(part);
        } catch (IllegalArgumentException e) {
            throw r.error(entry, "remote: '" + part + "' is not an IPv4 address; list VTEPs like remote = 192.0.2.2, 192.0.2.3"
                    + " (a VTEP's VNIs: 192.0.2.2 vni=5010,5020)");
        }
        if (ip == 0 || (ip >>> 28) >= 0xe) {
            throw r.error(entry, "remote: " + part + " is not a unicast address; list each VTEP's underlay address");
        }
        if (ip == local) {
            throw r.error(entry, "remote: " + part + " is this port's local address; list the other hosts");
        }
        if (remotes.contains(ip)) {
            throw r.error(entry, "remote lists " + part + " twice; list each VTEP once");
        }
        return ip;
    }
}
