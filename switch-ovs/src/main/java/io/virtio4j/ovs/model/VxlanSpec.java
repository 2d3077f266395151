package io.virtio4j.ovs.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings of a {@link PortType#VXLAN} port (RFC 7348): where its underlay UDP socket listens,
 * which VNI each of its VLANs travels as, the remote VTEPs it starts with, and the underlay MTU
 * that decides which frames fit once encapsulated.
 *
 * @param localAddress the IPv4 address the underlay socket binds to (host order)
 * @param udpPort      the UDP port VXLAN arrives on (4789, IANA's)
 * @param vniByVlan    VLAN to VNI, one to one; the port is a trunk of exactly these VLANs
 * @param remotes      the remote VTEPs' IPv4 addresses (host order)
 * @param underlayMtu  the underlay's IP MTU; an inner frame (untagged) longer than
 *                     {@code underlayMtu - 36} (outer IP 20, UDP 8, VXLAN 8) is dropped and counted
 * @param remoteVnis   the VNIs of the VTEPs that carry only some (address to a non-empty set of
 *                     mapped VNIs); a VTEP not in it carries every VNI of the port
 */
public record VxlanSpec(int localAddress, int udpPort, Map<Integer, Integer> vniByVlan, List<Integer> remotes,
                        int underlayMtu, Map<Integer, Set<Integer>> remoteVnis) {
    /** IANA's VXLAN port. */
    public static final int DEFAULT_UDP_PORT = 4789;
    /** The usual Ethernet underlay. */
    public static final int DEFAULT_UNDERLAY_MTU = 1500;
    /** Outer IPv4 header, UDP header and VXLAN header: what an inner frame adds to the underlay's IP packet. */
    public static final int IP_OVERHEAD = 20 + 8 + 8;
    /** The encapsulation's whole cost on the wire (outer Ethernet too), as operators size guest MTUs by it. */
    public static final int OVERHEAD = 14 + IP_OVERHEAD;
    /** The largest VNI (24 bits); 0 is refused (RFC 7348 leaves it to the implementation; Linux and OVS reserve nothing, we refuse it to catch mistakes). */
    public static final int MAX_VNI = (1 << 24) - 1;

    /** Every VTEP carrying every VNI of the port. */
    public VxlanSpec(int localAddress, int udpPort, Map<Integer, Integer> vniByVlan, List<Integer> remotes, int underlayMtu) {
        this(localAddress, udpPort, vniByVlan, remotes, underlayMtu, Map.of());
    }

    /** Checks every address, the port, each mapping and the MTU; copies the collections (VLANs and VNIs sorted). */
    public VxlanSpec {
        Objects.requireNonNull(vniByVlan, "vniByVlan");
        vniByVlan = java.util.Collections.unmodifiableMap(new TreeMap<>(vniByVlan));
        remotes = List.copyOf(remotes);
        Map<Integer, Set<Integer>> limits = new TreeMap<>();
        Objects.requireNonNull(remoteVnis, "remoteVnis")
                .forEach((address, carried) -> limits.put(address, java.util.Collections.unmodifiableSet(new TreeSet<>(carried))));
        remoteVnis = java.util.Collections.unmodifiableMap(limits);
        if (udpPort < 1 || udpPort > 65535) {
            throw new IllegalArgumentException("VXLAN UDP port " + udpPort + " is not in 1..65535");
        }
        if (vniByVlan.isEmpty()) {
            throw new IllegalArgumentException("a VXLAN port needs at least one VLAN:VNI mapping");
        }
        java.util.Set<Integer> vnis = new java.util.HashSet<>();
        vniByVlan.forEach((vlan, vni) -> {
            PortVlan.checkVlan(vlan);
            if (vni < 1 || vni > MAX_VNI) {
                throw new IllegalArgumentException("VNI " + vni + " is not in 1.." + MAX_VNI);
            }
            if (!vnis.add(vni)) {
                throw new IllegalArgumentException("VNI " + vni + " is mapped to two VLANs");
            }
        });
        if (new java.util.HashSet<>(remotes).size() != remotes.size()) {
            throw new IllegalArgumentException("a remote VTEP is listed twice");
        }
        if (remotes.contains(localAddress)) {
            throw new IllegalArgumentException("the local address " + Ipv4.format(localAddress) + " cannot be a remote VTEP");
        }
        if (underlayMtu < 576 || underlayMtu > 9216) {
            throw new IllegalArgumentException("underlay MTU " + underlayMtu + " is not in 576..9216");
        }
        for (Map.Entry<Integer, Set<Integer>> limit : remoteVnis.entrySet()) {
            String vtep = Ipv4.format(limit.getKey());
            if (!remotes.contains(limit.getKey())) {
                throw new IllegalArgumentException("VNIs are given for " + vtep + ", which is not a remote VTEP");
            }
            if (limit.getValue().isEmpty()) {
                throw new IllegalArgumentException("remote VTEP " + vtep + " is given no VNI");
            }
            for (int vni : limit.getValue()) {
                if (!vnis.contains(vni)) {
                    throw new IllegalArgumentException("remote VTEP " + vtep + " is given VNI " + vni + ", which the port does not map");
                }
            }
        }
    }

    /** The VNIs the VTEP at {@code address} carries: its limit, or every VNI of the port. */
    public Set<Integer> vnisOf(int address) {
        Set<Integer> limit = remoteVnis.get(address);
        return limit != null ? limit : java.util.Collections.unmodifiableSet(new TreeSet<>(vniByVlan.values()));
    }

    /** The VLANs the port carries (a trunk of them). */
    public PortVlan portVlan() {
        return PortVlan.trunk(vniByVlan.keySet());
    }

    /** The longest inner frame (without 802.1Q tag) that fits the underlay once encapsulated. */
    public int maxInnerFrame() {
        return underlayMtu - IP_OVERHEAD;
    }

    /** This spec with {@code newRemotes} as its VTEPs, each limited to the VNIs in {@code newRemoteVnis} if there. */
    public VxlanSpec withRemotes(List<Integer> newRemotes, Map<Integer, Set<Integer>> newRemoteVnis) {
        return new VxlanSpec(localAddress, udpPort, vniByVlan, newRemotes, underlayMtu, newRemoteVnis);
    }
}
