package io.virtio4j.ovs.flow;

import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.spi.net.MacAddress;

/**
 * A flow's match: in_port, VLAN (0 means "untagged", as OVS's {@code vlan_tci=0x0000}), Ethernet
 * destination under a mask, EtherType and an IPv4 destination prefix (the ARP target for ARP, as
 * OVS's {@code nw_dst}): the exact-match cache's key fields. Flows installed through OpenFlow may
 * also match the Ethernet source under a mask, the IP protocol and an IPv4 source prefix, which
 * are outside that key ({@link #outsideCacheKey()}: a program with such a flow bypasses the
 * cache). A field left open matches anything. Immutable; built with the {@code with...} methods
 * when the program is built, never per frame.
 */
public final class Match {
    /** An open int field. */
    public static final int ANY = -1;
    private static final Match ALL = new Match(ANY, ANY, 0, 0, ANY, null, null);

    private final int inPort;
    private final int vlan;
    private final long ethDst;
    private final long ethDstMask;
    private final int ethType;
    private final Ipv4Prefix nwDst;
    /** The fields outside the cache key, null when none is matched (every built-in flow). */
    private final Wide wide;

    /** Ethernet source under a mask, IP protocol ({@link #ANY} open), IPv4 source prefix (null open). */
    private record Wide(long ethSrc, long ethSrcMask, int ipProto, Ipv4Prefix nwSrc) {
        static final Wide NONE = new Wide(0, 0, ANY, null);

        boolean matches(Translation t) {
            return (t.ethSrc() & ethSrcMask) == ethSrc
                    && (ipProto == ANY || ipProto == t.ipProto())
                    && (nwSrc == null || nwSrc.contains(t.nwSrc()));
        }

        Wide orNull() {
            return equals(NONE) ? null : this;
        }
    }

    private Match(int inPort, int vlan, long ethDst, long ethDstMask, int ethType, Ipv4Prefix nwDst, Wide wide) {
        this.inPort = inPort;
        this.vlan = vlan;
        this.ethDst = ethDst;
        this.ethDstMask = ethDstMask;
        this.ethType = ethType;
        this.nwDst = nwDst;
        this.wide = wide;
    }

    private Wide wide() {
        return wide == null ? Wide.NONE : wide;
    }

    /** Matches every frame. */
    public static Match all() {
        return ALL;
    }

    /** This match, also requiring ingress port {@code port}. */
    public Match withInPort(int port) {
        return new Match(port, vlan, ethDst, ethDstMask, ethType, nwDst, wide);
    }

    /** {@code vlan} 0 matches untagged frames (before the ingress table assigns a VLAN). */
    public Match withVlan(int vid) {
        return new Match(inPort, vid, ethDst, ethDstMask, ethType, nwDst, wide);
    }

    /** This match, also requiring Ethernet destination {@code mac}. */
    public Match withEthDst(long mac) {
        return withEthDst(mac, MacAddress.BROADCAST);
    }

    /** This match, also requiring the Ethernet destination's {@code mask} bits to equal {@code mac}'s. */
    public Match withEthDst(long mac, long mask) {
        return new Match(inPort, vlan, mac & mask, mask, ethType, nwDst, wide);
    }

    /** This match, also requiring EtherType {@code type}. */
    public Match withEthType(int type) {
        return new Match(inPort, vlan, ethDst, ethDstMask, type, nwDst, wide);
    }

    /** Needs an IPv4 or ARP EtherType first (OVS's prerequisite for nw_dst). */
    public Match withNwDst(Ipv4Prefix prefix) {
        if (ethType != Ethernet.TYPE_IPV4 && ethType != Ethernet.TYPE_ARP) {
            throw new IllegalStateException("nw_dst needs dl_type=0x0800 or 0x0806 first");
        }
        return new Match(inPort, vlan, ethDst, ethDstMask, ethType, prefix, wide);
    }

    /** This match, also requiring the Ethernet source's {@code mask} bits to equal {@code mac}'s. */
    public Match withEthSrc(long mac, long mask) {
        Wide w = wide();
        return new Match(inPort, vlan, ethDst, ethDstMask, ethType, nwDst,
                new Wide(mac & mask, mask, w.ipProto(), w.nwSrc()).orNull());
    }

    /** Needs the IPv4 EtherType first (the only IP the data path parses). */
    public Match withIpProto(int proto) {
        requireIpv4("ip_proto");
        Wide w = wide();
        return new Match(inPort, vlan, ethDst, ethDstMask, ethType, nwDst,
                new Wide(w.ethSrc(), w.ethSrcMask(), proto, w.nwSrc()).orNull());
    }

    /** Needs the IPv4 EtherType first. */
    public Match withNwSrc(Ipv4Prefix prefix) {
        requireIpv4("nw_src");
        Wide w = wide();
        return new Match(inPort, vlan, ethDst, ethDstMask, ethType, nwDst,
                new Wide(w.ethSrc(), w.ethSrcMask(), w.ipProto(), prefix).orNull());
    }

    private void requireIpv4(String field) {
        if (ethType != Ethernet.TYPE_IPV4) {
            throw new IllegalStateException(field + " needs dl_type=0x0800 first");
        }
    }

    /**
     * Whether this match reads a field outside the exact-match cache's key (Ethernet source, IP
     * protocol, IPv4 source): two frames with equal keys could then translate differently.
     */
    public boolean outsideCacheKey() {
        return wide != null;
    }

    /** The EtherType this match requires, or {@link #ANY}. */
    public int ethType() {
        return ethType;
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
                && (wide == null || wide.matches(t));
    }

    /** In {@code ovs-ofctl dump-flows} syntax. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (inPort != ANY) {
            sb.append("in_port=").append(inPort).append(',');
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
        Wide w = wide();
        if (w.ethSrcMask() == MacAddress.BROADCAST) {
            sb.append("dl_src=").append(MacAddress.format(w.ethSrc())).append(',');
        } else if (w.ethSrcMask() != 0) {
            sb.append("dl_src=").append(MacAddress.format(w.ethSrc())).append('/').append(MacAddress.format(w.ethSrcMask())).append(',');
        }
        if (ethType == Ethernet.TYPE_IPV4) {
            sb.append("ip,");
        } else if (ethType == Ethernet.TYPE_ARP) {
            sb.append("arp,");
        } else if (ethType != ANY) {
            sb.append("dl_type=0x").append(String.format("%04x", ethType)).append(',');
        }
        if (nwDst != null) {
            sb.append(ethType == Ethernet.TYPE_ARP ? "arp_tpa=" : "nw_dst=").append(nwDst).append(',');
        }
        if (w.nwSrc() != null) {
            sb.append("nw_src=").append(w.nwSrc()).append(',');
        }
        if (w.ipProto() != ANY) {
            sb.append("nw_proto=").append(w.ipProto()).append(',');
        }
        if (sb.isEmpty()) {
            return "";
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
