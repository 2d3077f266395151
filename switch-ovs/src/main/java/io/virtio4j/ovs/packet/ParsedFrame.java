package io.virtio4j.ovs.packet;

import java.lang.foreign.MemorySegment;

/**
 * The fields of one frame the flow program looks at, filled by {@link #parse} and reused frame
 * after frame (one per PMD thread: no allocation per packet).
 *
 * <p>{@link #parse} reads nothing at or beyond {@code headerLength} and checks each header against
 * it before reading, so a truncated or lying frame ends as "malformed", never as an exception or a
 * read past the scratch. What counts as malformed: shorter than an Ethernet header; a tag cut
 * short; an ARP that is cut short or not IPv4-over-Ethernet; an IPv4 header whose version is not
 * 4, whose IHL is below 5 or runs past the captured header, or whose total length is below its
 * header length or above what the frame holds.
 */
public final class ParsedFrame {
    /** IP protocol TCP. */
    public static final int PROTOCOL_TCP = 6;
    /** IP protocol UDP. */
    public static final int PROTOCOL_UDP = 17;
    /** IP protocol SCTP (its ports sit where TCP's and UDP's do). */
    public static final int PROTOCOL_SCTP = 132;
    /** IP protocol ICMPv6. */
    public static final int PROTOCOL_ICMPV6 = 58;
    /** IPv6 extension headers looked through for the protocol and ports (a chain longer than this has neither). */
    static final int MAX_EXTENSION_HEADERS = 4;
    /** The VLAN field of a frame with no 802.1Q tag. */
    public static final int UNTAGGED = 0;
    /**
     * The VLAN field of a frame whose tag carries VID 0 (priority tag) or 4095 (reserved): no
     * port accepts it (802.1Q reserves both).
     */
    public static final int INVALID_VLAN = 4095;

    private int headerLength;
    private int frameLength;
    private long ethDestination;
    private long ethSource;
    private int vlan;
    private int ethType;
    private int l3Offset;
    private int networkDestination;
    private int ipSource;
    private int ipHeaderLength;
    private int ipTotalLength;
    private int ttl;
    private int ipProtocol;
    private boolean firstFragment;
    private int icmpType;
    private int arpOperation;
    private long arpSenderMac;
    private int arpSenderIp;
    private int vlanPcp;
    /** Whether the IPv6 header is whole in the captured bytes (its addresses were read). */
    private boolean ipv6;
    private long ipv6SourceHigh;
    private long ipv6SourceLow;
    private long ipv6DestinationHigh;
    private long ipv6DestinationLow;
    private int l4Source;
    private int l4Destination;

    /** An empty holder; {@link #parse} fills it. */
    public ParsedFrame() {
        // Reused frame after frame.
    }

    /**
     * Parses the frame's first {@code headerLength} bytes in {@code header}.
     *
     * @return false if the frame is malformed (the fields are then meaningless)
     */
    public boolean parse(MemorySegment header, int headerLength, int frameLength) {
        reset(headerLength, frameLength);
        if (headerLength < Ethernet.HEADER_LENGTH || headerLength > frameLength
                || headerLength > header.byteSize()) {
            return false;
        }
        // Every frame is parsed, so its fields come from as few loads as the layout allows (each
        // access to the header segment pays FFM's checks): bytes 0-7 and 6-13 as two big-endian
        // longs hold both addresses and the type. In bounds: headerLength >= 14 was checked above.
        long first = NetworkOrder.u64(header, Ethernet.DESTINATION);
        long second = NetworkOrder.u64(header, Ethernet.SOURCE);
        ethDestination = first >>> 16;
        ethSource = second >>> 16;
        int type = (int) second & 0xffff;
        l3Offset = Ethernet.HEADER_LENGTH;
        if (type == Ethernet.TYPE_VLAN) {
            if (headerLength < Ethernet.TAGGED_HEADER_LENGTH) {
                return false;
            }
            // In bounds: headerLength >= 18 was checked just above. TCI, then the inner type.
            int tag = NetworkOrder.u32(header, Ethernet.VLAN_TCI);
            int tci = tag >>> 16;
            int vid = tci & Ethernet.VLAN_ID_MASK;
            vlanPcp = tci >>> 13;
            vlan = vid == 0 ? INVALID_VLAN : vid;
            type = tag & 0xffff;
            l3Offset = Ethernet.TAGGED_HEADER_LENGTH;
        }
        ethType = type;
        return switch (type) {
            case Ethernet.TYPE_ARP -> parseArp(header);
            case Ethernet.TYPE_IPV4 -> parseIpv4(header);
            case Ethernet.TYPE_IPV6 -> parseIpv6(header);
            default -> true;
        };
    }

    private void reset(int headerLength, int frameLength) {
        this.headerLength = headerLength;
        this.frameLength = frameLength;
        ethDestination = 0;
        ethSource = 0;
        vlan = UNTAGGED;
        ethType = 0;
        l3Offset = 0;
        networkDestination = 0;
        ipSource = 0;
        ipHeaderLength = 0;
        ipTotalLength = 0;
        ttl = 0;
        ipProtocol = -1;
        firstFragment = false;
        icmpType = -1;
        arpOperation = 0;
        arpSenderMac = 0;
        arpSenderIp = 0;
        vlanPcp = 0;
        ipv6 = false;
        ipv6SourceHigh = 0;
        ipv6SourceLow = 0;
        ipv6DestinationHigh = 0;
        ipv6DestinationLow = 0;
        l4Source = -1;
        l4Destination = -1;
    }

    private boolean parseArp(MemorySegment h) {
        int a = l3Offset;
        if (headerLength - a < Arp.LENGTH) {
            return false;
        }
        // In bounds: the whole 28-byte ARP header lies below headerLength (checked above).
        if (NetworkOrder.u16(h, a + Arp.HARDWARE_TYPE) != Arp.HARDWARE_ETHERNET
                || NetworkOrder.u16(h, a + Arp.PROTOCOL_TYPE) != Ethernet.TYPE_IPV4
                || NetworkOrder.u8(h, a + Arp.HARDWARE_LENGTH) != 6
                || NetworkOrder.u8(h, a + Arp.PROTOCOL_LENGTH) != 4) {
            return false;
        }
        arpOperation = NetworkOrder.u16(h, a + Arp.OPERATION);
        arpSenderMac = NetworkOrder.mac(h, a + Arp.SENDER_MAC);
        arpSenderIp = NetworkOrder.u32(h, a + Arp.SENDER_IP);
        networkDestination = NetworkOrder.u32(h, a + Arp.TARGET_IP);
        return true;
    }

    private boolean parseIpv4(MemorySegment h) {
        int ip = l3Offset;
        if (headerLength - ip < Ipv4Header.MIN_LENGTH) {
            return false;
        }
        // In bounds: 20 bytes from ip lie below headerLength (checked above). Three loads: version
        // and IHL through flags and fragment offset; TTL through the source; the destination.
        long front = NetworkOrder.u64(h, ip + Ipv4Header.VERSION_IHL);
        long middle = NetworkOrder.u64(h, ip + Ipv4Header.TTL);
        int versionIhl = (int) (front >>> 56);
        int ihl = (versionIhl & 0x0f) * 4;
        int total = (int) (front >>> 32) & 0xffff;
        if ((versionIhl >>> 4) != 4 || ihl < Ipv4Header.MIN_LENGTH || ip + ihl > headerLength
                || total < ihl || ip + total > frameLength) {
            return false;
        }
        ipHeaderLength = ihl;
        ipTotalLength = total;
        ttl = (int) (middle >>> 56);
        ipProtocol = (int) (middle >>> 48) & 0xff;
        ipSource = (int) middle;
        networkDestination = NetworkOrder.u32(h, ip + Ipv4Header.DESTINATION);
        firstFragment = ((int) front & Ipv4Header.FRAGMENT_OFFSET_MASK) == 0;
        int l4 = ip + ihl;
        // In bounds: the ICMP type byte is read only when it lies below both headerLength and the
        // packet's own total length.
        if (ipProtocol == Ipv4Header.PROTOCOL_ICMP && firstFragment && l4 < headerLength && ihl < total) {
            icmpType = NetworkOrder.u8(h, l4 + Icmp.TYPE);
        }
        if (firstFragment) {
            parseL4(h, l4, ip + total);
        }
        return true;
    }

    /**
     * An IPv6 header: its addresses, and the protocol and L4 ports behind at most
     * {@link #MAX_EXTENSION_HEADERS} extension headers. A header cut short is not malformed (the
     * pipeline passed such frames before it read IPv6): its fields stay absent, so no flow
     * matching them matches it.
     */
    private boolean parseIpv6(MemorySegment h) {
        int ip = l3Offset;
        if (headerLength - ip < Ipv6Header.LENGTH) {
            return true;
        }
        // In bounds: the 40-byte fixed header lies below headerLength (checked above).
        if (NetworkOrder.u8(h, ip) >>> 4 != 6) {
            return true;
        }
        ipv6 = true;
        ipv6SourceHigh = NetworkOrder.u64(h, ip + Ipv6Header.SOURCE);
        ipv6SourceLow = NetworkOrder.u64(h, ip + Ipv6Header.SOURCE + 8);
        ipv6DestinationHigh = NetworkOrder.u64(h, ip + Ipv6Header.DESTINATION);
        ipv6DestinationLow = NetworkOrder.u64(h, ip + Ipv6Header.DESTINATION + 8);
        int end = Math.min(frameLength, ip + Ipv6Header.LENGTH + NetworkOrder.u16(h, ip + Ipv6Header.PAYLOAD_LENGTH));
        int next = NetworkOrder.u8(h, ip + Ipv6Header.NEXT_HEADER);
        int at = ip + Ipv6Header.LENGTH;
        for (int i = 0; i < MAX_EXTENSION_HEADERS && isExtension(next); i++) {
            if (at + 8 > headerLength || at + 8 > end) {
                return true; // cut inside the extension headers: no protocol, no ports
            }
            // In bounds: the 8 bytes every extension header has lie below headerLength (checked above).
            int following = NetworkOrder.u8(h, at);
            if (next == Ipv6Header.FRAGMENT) {
                if ((NetworkOrder.u16(h, at + 2) & Ipv6Header.FRAGMENT_OFFSET_MASK) != 0) {
                    ipProtocol = following; // a later fragment: the protocol, but no L4 header here
                    return true;
                }
                at += 8;
            } else {
                at += (NetworkOrder.u8(h, at + 1) + 1) * 8;
            }
            next = following;
        }
        if (isExtension(next)) {
            return true; // more extension headers than are looked through
        }
        ipProtocol = next;
        parseL4(h, at, end);
        return true;
    }

    private static boolean isExtension(int next) {
        return next == Ipv6Header.HOP_BY_HOP || next == Ipv6Header.ROUTING || next == Ipv6Header.FRAGMENT
                || next == Ipv6Header.DESTINATION_OPTIONS;
    }

    /**
     * The L4 fields of the first fragment of an IP packet whose L4 header starts at {@code l4} and
     * which ends at {@code end}: TCP, UDP and SCTP ports, or the ICMP or ICMPv6 type and code (OVS's
     * tp_src and tp_dst hold them too). Read only when they lie below both the captured bytes and
     * the packet's end; otherwise they stay absent (-1).
     */
    private void parseL4(MemorySegment h, int l4, int end) {
        int limit = Math.min(headerLength, end);
        switch (ipProtocol) {
            case PROTOCOL_TCP, PROTOCOL_UDP, PROTOCOL_SCTP -> {
                if (l4 + 4 <= limit) {
                    // In bounds: both ports lie below headerLength (checked just above).
                    int ports = NetworkOrder.u32(h, l4);
                    l4Source = ports >>> 16;
                    l4Destination = ports & 0xffff;
                }
            }
            case Ipv4Header.PROTOCOL_ICMP, PROTOCOL_ICMPV6 -> {
                if (l4 + 2 <= limit && (ipProtocol == Ipv4Header.PROTOCOL_ICMP) == isIpv4()) {
                    // In bounds: type and code lie below headerLength (checked just above).
                    l4Source = NetworkOrder.u8(h, l4 + Icmp.TYPE);
                    l4Destination = NetworkOrder.u8(h, l4 + Icmp.CODE);
                }
            }
            default -> { }
        }
    }

    /** Bytes of the frame that were captured into the header scratch. */
    public int headerLength() {
        return headerLength;
    }

    /** The whole frame's length. */
    public int frameLength() {
        return frameLength;
    }

    /** The destination MAC. */
    public long ethDestination() {
        return ethDestination;
    }

    /** The source MAC. */
    public long ethSource() {
        return ethSource;
    }

    /** The 802.1Q VID as received: {@link #UNTAGGED}, 1..4094, or {@link #INVALID_VLAN}. */
    public int vlan() {
        return vlan;
    }

    /** Whether the frame carries an 802.1Q tag. */
    public boolean tagged() {
        return vlan != UNTAGGED;
    }

    /** The EtherType after the tag, if any. */
    public int ethType() {
        return ethType;
    }

    /** Where the network header starts: 14, or 18 behind a tag. */
    public int l3Offset() {
        return l3Offset;
    }

    /** Whether the EtherType (behind any tag) is IPv4. */
    public boolean isIpv4() {
        return ethType == Ethernet.TYPE_IPV4;
    }

    /** Whether the EtherType (behind any tag) is ARP. */
    public boolean isArp() {
        return ethType == Ethernet.TYPE_ARP;
    }

    /** The IPv4 destination, or the ARP target IP (OVS's nw_dst does the same), else 0. */
    public int networkDestination() {
        return networkDestination;
    }

    /** The IPv4 source, else 0. */
    public int ipSource() {
        return ipSource;
    }

    /** The IPv4 header's length in bytes, else 0. */
    public int ipHeaderLength() {
        return ipHeaderLength;
    }

    /** The IPv4 total length, else 0. */
    public int ipTotalLength() {
        return ipTotalLength;
    }

    /** The IPv4 TTL, else 0. */
    public int ttl() {
        return ttl;
    }

    /**
     * The IP protocol: IPv4's, or IPv6's last next header past its extension headers; -1 for other
     * frames and an IPv6 packet whose chain was cut short.
     */
    public int ipProtocol() {
        return ipProtocol;
    }

    /** Whether this IPv4 packet is unfragmented or the first fragment (it carries the L4 header). */
    public boolean firstFragment() {
        return firstFragment;
    }

    /** The ICMP type, or -1 if not ICMP (or not a first fragment, or cut before the type). */
    public int icmpType() {
        return icmpType;
    }

    /** Whether the whole IPv4 packet lies in the captured header (so it can be echoed). */
    public boolean ipPacketCaptured() {
        return isIpv4() && l3Offset + ipTotalLength <= headerLength;
    }

    /** The 802.1Q priority (PCP) of the tag the frame came with, 0 when it came untagged. */
    public int vlanPcp() {
        return vlanPcp;
    }

    /** Whether the frame is IPv6 with its whole fixed header captured (its addresses are meaningful). */
    public boolean hasIpv6Addresses() {
        return ipv6;
    }

    /** The IPv6 source's first 8 bytes (first byte most significant), 0 unless {@link #hasIpv6Addresses()}. */
    public long ipv6SourceHigh() {
        return ipv6SourceHigh;
    }

    /** The IPv6 source's last 8 bytes. */
    public long ipv6SourceLow() {
        return ipv6SourceLow;
    }

    /** The IPv6 destination's first 8 bytes. */
    public long ipv6DestinationHigh() {
        return ipv6DestinationHigh;
    }

    /** The IPv6 destination's last 8 bytes. */
    public long ipv6DestinationLow() {
        return ipv6DestinationLow;
    }

    /**
     * The TCP, UDP or SCTP source port, or the ICMP/ICMPv6 type, of an IP packet's first fragment;
     * -1 when the packet has none or it was not captured.
     */
    public int l4Source() {
        return l4Source;
    }

    /** The TCP, UDP or SCTP destination port, or the ICMP/ICMPv6 code; -1 as {@link #l4Source()}. */
    public int l4Destination() {
        return l4Destination;
    }

    /** The ARP operation, else 0. */
    public int arpOperation() {
        return arpOperation;
    }

    /** The ARP sender MAC, else 0. */
    public long arpSenderMac() {
        return arpSenderMac;
    }

    /** The ARP sender IP, else 0. */
    public int arpSenderIp() {
        return arpSenderIp;
    }

    /** The ARP target IP (same as {@link #networkDestination()} for ARP). */
    public int arpTargetIp() {
        return isArp() ? networkDestination : 0;
    }
}
