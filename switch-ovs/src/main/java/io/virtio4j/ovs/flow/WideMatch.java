package io.virtio4j.ovs.flow;

import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.spi.net.MacAddress;

/**
 * The part of a {@link Match} outside the exact-match cache's key, which only flows installed
 * through OpenFlow use: Ethernet source under a mask, VLAN priority, IP protocol, IPv4 source
 * (or ARP sender) prefix, ARP operation, IPv6 source and destination under masks, and the L4
 * source and destination (TCP, UDP or SCTP ports; ICMP type and code). A program with such a
 * flow bypasses the cache. An open int field is {@link Match#ANY}. A frame that lacks a field a
 * flow matches (a packet cut before its ports, an IPv6 header not captured) does not match it.
 * Immutable once built; the {@code with...} methods copy, when a program is built, never per frame.
 */
final class WideMatch {
    static final WideMatch NONE = new WideMatch();

    private long ethSrc;
    private long ethSrcMask;
    private int vlanPcp = Match.ANY;
    private int ipProto = Match.ANY;
    private Ipv4Prefix nwSrc;
    private int arpOp = Match.ANY;
    private final Ipv6Masked ipv6Src = new Ipv6Masked();
    private final Ipv6Masked ipv6Dst = new Ipv6Masked();
    private int tpSrc = Match.ANY;
    private int tpDst = Match.ANY;

    private WideMatch() {
    }

    /** An IPv6 address under a mask, as two halves; an all-zero mask leaves it open. */
    private static final class Ipv6Masked {
        long high;
        long low;
        long maskHigh;
        long maskLow;

        void set(Ipv6Masked o) {
            high = o.high;
            low = o.low;
            maskHigh = o.maskHigh;
            maskLow = o.maskLow;
        }

        boolean open() {
            return maskHigh == 0 && maskLow == 0;
        }

        boolean matches(boolean present, long h, long l) {
            return open() || present && (h & maskHigh) == high && (l & maskLow) == low;
        }

        boolean sameAs(Ipv6Masked o) {
            return high == o.high && low == o.low && maskHigh == o.maskHigh && maskLow == o.maskLow;
        }

        @Override
        public String toString() {
            String a = Match.formatIpv6(high, low);
            return maskHigh == -1L && maskLow == -1L ? a : a + "/" + Match.formatIpv6(maskHigh, maskLow);
        }
    }

    private WideMatch copy() {
        WideMatch w = new WideMatch();
        w.ethSrc = ethSrc;
        w.ethSrcMask = ethSrcMask;
        w.vlanPcp = vlanPcp;
        w.ipProto = ipProto;
        w.nwSrc = nwSrc;
        w.arpOp = arpOp;
        w.ipv6Src.set(ipv6Src);
        w.ipv6Dst.set(ipv6Dst);
        w.tpSrc = tpSrc;
        w.tpDst = tpDst;
        return w;
    }

    /** A copy with {@code change} made to it (when a program is built: a lambda costs nothing per frame). */
    private WideMatch with(java.util.function.Consumer<WideMatch> change) {
        WideMatch w = copy();
        change.accept(w);
        return w;
    }

    WideMatch withEthSrc(long mac, long mask) {
        return with(w -> {
            w.ethSrc = mac & mask;
            w.ethSrcMask = mask;
        });
    }

    WideMatch withVlanPcp(int pcp) {
        return with(w -> w.vlanPcp = pcp);
    }

    WideMatch withIpProto(int proto) {
        return with(w -> w.ipProto = proto);
    }

    WideMatch withNwSrc(Ipv4Prefix prefix) {
        return with(w -> w.nwSrc = prefix);
    }

    WideMatch withArpOp(int op) {
        return with(w -> w.arpOp = op);
    }

    WideMatch withIpv6(boolean source, long high, long low, long maskHigh, long maskLow) {
        return with(w -> {
            Ipv6Masked a = source ? w.ipv6Src : w.ipv6Dst;
            a.high = high & maskHigh;
            a.low = low & maskLow;
            a.maskHigh = maskHigh;
            a.maskLow = maskLow;
        });
    }

    WideMatch withTp(boolean source, int value) {
        return with(w -> {
            if (source) {
                w.tpSrc = value;
            } else {
                w.tpDst = value;
            }
        });
    }

    int ipProto() {
        return ipProto;
    }

    /** Whether nothing is matched (every built-in flow): the match then holds null instead. */
    boolean isNone() {
        return ethSrcMask == 0 && vlanPcp == Match.ANY && ipProto == Match.ANY && nwSrc == null && arpOp == Match.ANY
                && ipv6Src.open() && ipv6Dst.open() && tpSrc == Match.ANY && tpDst == Match.ANY;
    }

    /** Whether the frame as translated so far matches; each field is a compare, nothing allocated. */
    boolean matches(Translation t) {
        return (t.ethSrc() & ethSrcMask) == ethSrc
                && (vlanPcp == Match.ANY || vlanPcp == t.vlanPcp())
                && (ipProto == Match.ANY || ipProto == t.ipProto())
                && (nwSrc == null || nwSrc.contains(t.nwSrc()))
                && (arpOp == Match.ANY || arpOp == t.arpOp())
                && ipv6Src.matches(t.hasIpv6(), t.ipv6SrcHigh(), t.ipv6SrcLow())
                && ipv6Dst.matches(t.hasIpv6(), t.ipv6DstHigh(), t.ipv6DstLow())
                && (tpSrc == Match.ANY || tpSrc == t.tpSrc())
                && (tpDst == Match.ANY || tpDst == t.tpDst());
    }

    /** Appends the fields before the EtherType, in {@code ovs-ofctl} syntax. */
    void appendL2(StringBuilder sb) {
        if (ethSrcMask == MacAddress.BROADCAST) {
            sb.append("dl_src=").append(MacAddress.format(ethSrc)).append(',');
        } else if (ethSrcMask != 0) {
            sb.append("dl_src=").append(MacAddress.format(ethSrc)).append('/').append(MacAddress.format(ethSrcMask)).append(',');
        }
        if (vlanPcp != Match.ANY) {
            sb.append("dl_vlan_pcp=").append(vlanPcp).append(',');
        }
    }

    /** Appends the fields after the EtherType; {@code arp} names ARP's fields as OVS does. */
    void appendL3(StringBuilder sb, boolean arp) {
        if (nwSrc != null) {
            sb.append(arp ? "arp_spa=" : "nw_src=").append(nwSrc).append(',');
        }
        if (arpOp != Match.ANY) {
            sb.append("arp_op=").append(arpOp).append(',');
        }
        if (!ipv6Src.open()) {
            sb.append("ipv6_src=").append(ipv6Src).append(',');
        }
        if (!ipv6Dst.open()) {
            sb.append("ipv6_dst=").append(ipv6Dst).append(',');
        }
        if (ipProto != Match.ANY) {
            sb.append("nw_proto=").append(ipProto).append(',');
        }
        if (tpSrc != Match.ANY) {
            sb.append("tp_src=").append(tpSrc).append(',');
        }
        if (tpDst != Match.ANY) {
            sb.append("tp_dst=").append(tpDst).append(',');
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WideMatch w && ethSrc == w.ethSrc && ethSrcMask == w.ethSrcMask && vlanPcp == w.vlanPcp
                && ipProto == w.ipProto && java.util.Objects.equals(nwSrc, w.nwSrc) && arpOp == w.arpOp
                && ipv6Src.sameAs(w.ipv6Src) && ipv6Dst.sameAs(w.ipv6Dst) && tpSrc == w.tpSrc && tpDst == w.tpDst;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(ethSrc, ethSrcMask, vlanPcp, ipProto, nwSrc, arpOp, ipv6Src.high, ipv6Dst.low, tpSrc, tpDst);
    }
}
