package io.virtio4j.ovs.flow;

import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.spi.net.MacAddress;

/**
 * A flow's match: in_port, VLAN (0 means "untagged", as OVS's {@code vlan_tci=0x0000}), Ethernet
 * destination under a mask, EtherType and an IPv4 destination prefix (the ARP target for ARP, as
 * OVS's {@code nw_dst}): the exact-match cache's key fields. Flows installed through OpenFlow may
 * also match:
 * <ul>
 * <li>metadata under a mask and the tunnel id (the VNI a frame arrived with on a VXLAN port):
 * derived from key fields (metadata is written by earlier flows of the same translation, the VNI
 * is the VXLAN port's map of the tag it received), so they keep the cache;</li>
 * <li>the fields of {@link WideMatch} (Ethernet source, VLAN priority, IP protocol, IPv4 source,
 * ARP operation, IPv6 addresses, L4 ports and ICMP type/code), outside that key
 * ({@link #outsideCacheKey()}: a program with such a flow bypasses the cache).</li>
 * </ul>
 * A field left open matches anything. Immutable; built with the {@code with...} methods when the
 * program is built, never per frame.
 */
public final class Match {
    /** An open int field. */
    public static final int ANY = -1;
    private static final Match ALL = new Match();

    // Set only on a fresh copy inside a with... method, before the match is shared.
    private int inPort = ANY;
    private int vlan = ANY;
    private long ethDst;
    private long ethDstMask;
    private int ethType = ANY;
    private Ipv4Prefix nwDst;
    private long metadata;
    private long metadataMask;
    private long tunnelId = ANY;
    /** OpenFlow's vlan_vid=none: the frame has no tag at this point (derived from the key and earlier flows). */
    private boolean untagged;
    /** The fields outside the cache key, null when none is matched (every built-in flow). */
    private WideMatch wide;

    private Match() {
    }

    private Match copy() {
        Match m = new Match();
        m.inPort = inPort;
        m.vlan = vlan;
        m.ethDst = ethDst;
        m.ethDstMask = ethDstMask;
        m.ethType = ethType;
        m.nwDst = nwDst;
        m.metadata = metadata;
        m.metadataMask = metadataMask;
        m.tunnelId = tunnelId;
        m.untagged = untagged;
        m.wide = wide;
        return m;
    }

    /** A copy with {@code change} made to it (when a program is built: a lambda costs nothing per frame). */
    private Match with(java.util.function.Consumer<Match> change) {
        Match m = copy();
        change.accept(m);
        return m;
    }

    private WideMatch wide() {
        return wide == null ? WideMatch.NONE : wide;
    }

    private Match withWide(WideMatch w) {
        return with(m -> m.wide = w.isNone() ? null : w);
    }

    /** Matches every frame. */
    public static Match all() {
        return ALL;
    }

    /** This match, also requiring ingress port {@code port}. */
    public Match withInPort(int port) {
        return with(m -> m.inPort = port);
    }

    /** {@code vlan} 0 matches untagged frames (before the ingress table assigns a VLAN). */
    public Match withVlan(int vid) {
        return with(m -> m.vlan = vid);
    }

    /** This match, also requiring Ethernet destination {@code mac}. */
    public Match withEthDst(long mac) {
        return withEthDst(mac, MacAddress.BROADCAST);
    }

    /** This match, also requiring the Ethernet destination's {@code mask} bits to equal {@code mac}'s. */
    public Match withEthDst(long mac, long mask) {
        return with(m -> {
            m.ethDst = mac & mask;
            m.ethDstMask = mask;
        });
    }

    /** This match, also requiring EtherType {@code type}. */
    public Match withEthType(int type) {
        return with(m -> m.ethType = type);
    }

    /** Needs an IPv4 or ARP EtherType first (OVS's prerequisite for nw_dst; for ARP it is the target, arp_tpa). */
    public Match withNwDst(Ipv4Prefix prefix) {
        require(ethType == Ethernet.TYPE_IPV4 || ethType == Ethernet.TYPE_ARP, "nw_dst needs dl_type=0x0800 or 0x0806 first");
        return with(m -> m.nwDst = prefix);
    }

    /** This match, also requiring the metadata register's {@code mask} bits to equal {@code value}'s. */
    public Match withMetadata(long value, long mask) {
        return with(m -> {
            m.metadata = value & mask;
            m.metadataMask = mask;
        });
    }

    /** This match, also requiring the frame to have arrived on a VXLAN port with VNI {@code vni}. */
    public Match withTunnelId(int vni) {
        require(vni >= 0 && vni <= 0xff_ffff, "a VNI has 24 bits");
        return with(m -> m.tunnelId = vni);
    }

    /**
     * OpenFlow's {@code vlan_vid=none}: the frame has no 802.1Q tag at this point: it arrived
     * untagged (on an access port) and no push_vlan since, or a pop_vlan took it off. The tag as
     * received is in the cache key and the rest is earlier flows' doing, so it keeps the cache.
     */
    public Match withoutTag() {
        return with(m -> m.untagged = true);
    }

    /** This match, also requiring the Ethernet source's {@code mask} bits to equal {@code mac}'s. */
    public Match withEthSrc(long mac, long mask) {
        return withWide(wide().withEthSrc(mac, mask));
    }

    /** This match, also requiring VLAN priority {@code pcp} (0 for a frame that came untagged). */
    public Match withVlanPcp(int pcp) {
        require(pcp >= 0 && pcp <= 7, "a VLAN priority is 0..7");
        return withWide(wide().withVlanPcp(pcp));
    }

    /** Needs the IPv4 or IPv6 EtherType first. */
    public Match withIpProto(int proto) {
        requireIp("ip_proto");
        return withWide(wide().withIpProto(proto));
    }

    /** Needs the IPv4 or ARP EtherType first (for ARP it is the sender, arp_spa). */
    public Match withNwSrc(Ipv4Prefix prefix) {
        require(ethType == Ethernet.TYPE_IPV4 || ethType == Ethernet.TYPE_ARP, "nw_src needs dl_type=0x0800 or 0x0806 first");
        return withWide(wide().withNwSrc(prefix));
    }

    /** Needs the ARP EtherType first. */
    public Match withArpOp(int op) {
        require(ethType == Ethernet.TYPE_ARP, "arp_op needs dl_type=0x0806 first");
        return withWide(wide().withArpOp(op));
    }

    /** The IPv6 source ({@code source}) or destination under a mask, as two halves; needs the IPv6 EtherType first. */
    public Match withIpv6(boolean source, long high, long low, long maskHigh, long maskLow) {
        require(ethType == Ethernet.TYPE_IPV6, "ipv6_src/dst need dl_type=0x86dd first");
        return withWide(wide().withIpv6(source, high, low, maskHigh, maskLow));
    }

    /**
     * The L4 source ({@code source}) or destination: a TCP, UDP or SCTP port, or an ICMP type or
     * code; needs the IP protocol that gives it meaning first.
     */
    public Match withTp(boolean source, int value) {
        require(wide().ipProto() != ANY, "tp_src/tp_dst need nw_proto first");
        require(value >= 0 && value <= 0xffff, "an L4 field has 16 bits");
        return withWide(wide().withTp(source, value));
    }

    private void requireIp(String field) {
        require(ethType == Ethernet.TYPE_IPV4 || ethType == Ethernet.TYPE_IPV6, field + " needs dl_type=0x0800 or 0x86dd first");
    }

    private static void require(boolean ok, String why) {
        if (!ok) {
            throw new IllegalStateException(why);
        }
    }

    /**
     * Whether this match reads a field outside the exact-match cache's key ({@link WideMatch}): two
     * frames with equal keys could then translate differently.
     */
    public boolean outsideCacheKey() {
        return wide != null;
    }

    /** The EtherType this match requires, or {@link #ANY}. */
    public int ethType() {
        return ethType;
    }

    /** The IP protocol this match requires, or {@link #ANY}. */
    public int ipProto() {
        return wide().ipProto();
    }

    /** The VLAN this match requires, or {@link #ANY}. */
    public int vlan() {
        return vlan;
    }

    /** Whether the frame as translated so far matches. */
    public boolean matches(Translation t) {
        return (inPort == ANY || inPort == t.inPort())
                && (vlan == ANY || vlan == t.vlan())
                && (t.ethDst() & ethDstMask) == ethDst
                && (ethType == ANY || ethType == t.ethType())
                && (nwDst == null || nwDst.contains(t.nwDst()))
                && (t.metadata() & metadataMask) == metadata
                && (tunnelId == ANY || tunnelId == t.tunnelId())
                && (!untagged || !t.hasTag())
                && (wide == null || wide.matches(t));
    }

    /** In {@code ovs-ofctl dump-flows} syntax. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (metadataMask == -1L) {
            sb.append("metadata=0x").append(Long.toHexString(metadata)).append(',');
        } else if (metadataMask != 0) {
            sb.append("metadata=0x").append(Long.toHexString(metadata)).append("/0x").append(Long.toHexString(metadataMask)).append(',');
        }
        if (tunnelId != ANY) {
            sb.append("tun_id=0x").append(Long.toHexString(tunnelId)).append(',');
        }
        if (inPort != ANY) {
            sb.append("in_port=").append(inPort).append(',');
        }
        if (untagged) {
            sb.append("vlan_tci=0x0000/0x1fff,");
        }
        if (vlan == 0) {
            sb.append("vlan_tci=0x0000,");
        } else if (vlan != ANY) {
            sb.append("dl_vlan=").append(vlan).append(',');
        }
        if (ethDstMask == MacAddress.BROADCAST) {
            sb.append("dl_dst=").append(MacAddress.format(ethDst)).append(',');
        } else if (ethDstMask != 0) {
            sb.append("dl_dst=").append(MacAddress.format(ethDst)).append('/').append(MacAddress.format(ethDstMask)).append(',');
        }
        WideMatch w = wide();
        w.appendL2(sb);
        if (ethType == Ethernet.TYPE_IPV4) {
            sb.append("ip,");
        } else if (ethType == Ethernet.TYPE_ARP) {
            sb.append("arp,");
        } else if (ethType == Ethernet.TYPE_IPV6) {
            sb.append("ipv6,");
        } else if (ethType != ANY) {
            sb.append("dl_type=0x").append(String.format("%04x", ethType)).append(',');
        }
        if (nwDst != null) {
            sb.append(ethType == Ethernet.TYPE_ARP ? "arp_tpa=" : "nw_dst=").append(nwDst).append(',');
        }
        w.appendL3(sb, ethType == Ethernet.TYPE_ARP);
        if (sb.isEmpty()) {
            return "";
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** An IPv6 address held as two halves, in the JDK's uncompressed text form ({@code 2001:db8:0:0:0:0:0:a}). */
    static String formatIpv6(long high, long low) {
        byte[] b = java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }
}
