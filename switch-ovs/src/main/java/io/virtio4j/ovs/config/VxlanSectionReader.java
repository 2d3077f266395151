package io.virtio4j.ovs.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        List<Integer> remotes = remotes(r, local);
        int mtu = r.integer("underlay-mtu", VxlanSpec.DEFAULT_UNDERLAY_MTU, 576, 9216);
        return PortSpec.vxlan(name, new VxlanSpec(local, udpPort, vnis, remotes, mtu), pmd);
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

    private static List<Integer> remotes(SectionReader r, int local) {
        IniEntry entry = r.section().entries().get("remote");
        List<Integer> remotes = new ArrayList<>();
        if (entry == null || entry.value().isBlank() || entry.value().equals(NO_REMOTES)) {
            return remotes;
        }
        for (String part : entry.value().split(",", -1)) {
            int ip;
            try {
                ip = Ipv4.parse(part.strip());
            } catch (IllegalArgumentException e) {
                throw r.error(entry, "remote: '" + part.strip() + "' is not an IPv4 address; list VTEPs like remote = 192.0.2.2, 192.0.2.3");
            }
            if (ip == 0 || (ip >>> 28) >= 0xe) {
                throw r.error(entry, "remote: " + part.strip() + " is not a unicast address; list each VTEP's underlay address");
            }
            if (ip == local) {
                throw r.error(entry, "remote: " + part.strip() + " is this port's local address; list the other hosts");
            }
            if (remotes.contains(ip)) {
                throw r.error(entry, "remote lists " + part.strip() + " twice; list each VTEP once");
            }
            remotes.add(ip);
        }
        return remotes;
    }
}
