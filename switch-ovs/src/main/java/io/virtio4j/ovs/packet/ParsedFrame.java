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
        // In bounds: headerLength >= 14 was checked above.
        ethDestination = NetworkOrder.mac(header, Ethernet.DESTINATION);
        ethSource = NetworkOrder.mac(header, Ethernet.SOURCE);
        int type = NetworkOrder.u16(header, Ethernet.TYPE);
        l3Offset = Ethernet.HEADER_LENGTH;
        if (type == Ethernet.TYPE_VLAN) {
            if (headerLength < Ethernet.TAGGED_HEADER_LENGTH) {
                return false;
            }
            // In bounds: headerLength >= 18 was checked just above.
            int vid = NetworkOrder.u16(header, Ethernet.VLAN_TCI) & Ethernet.VLAN_ID_MASK;
            vlan = vid == 0 ? INVALID_VLAN : vid;
            type = NetworkOrder.u16(header, Ethernet.VLAN_INNER_TYPE);
            l3Offset = Ethernet.TAGGED_HEADER_LENGTH;
        }
        ethType = type;
        return switch (type) {
            case Ethernet.TYPE_ARP -> parseArp(header);
            case Ethernet.TYPE_IPV4 -> parseIpv4(header);
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
        // In bounds: 20 bytes from ip lie below headerLength (checked above).
        int versionIhl = NetworkOrder.u8(h, ip + Ipv4Header.VERSION_IHL);
        int ihl = (versionIhl & 0x0f) * 4;
        int total = NetworkOrder.u16(h, ip + Ipv4Header.TOTAL_LENGTH);
        if ((versionIhl >>> 4) != 4 || ihl < Ipv4Header.MIN_LENGTH || ip + ihl > headerLength
                || total < ihl || ip + total > frameLength) {
            return false;
        }
        ipHeaderLength = ihl;
        ipTotalLength = total;
        ttl = NetworkOrder.u8(h, ip + Ipv4Header.TTL);
        ipProtocol = NetworkOrder.u8(h, ip + Ipv4Header.PROTOCOL);
        ipSource = NetworkOrder.u32(h, ip + Ipv4Header.SOURCE);
        networkDestination = NetworkOrder.u32(h, ip + Ipv4Header.DESTINATION);
        firstFragment = (NetworkOrder.u16(h, ip + Ipv4Header.FLAGS_FRAGMENT) & Ipv4Header.FRAGMENT_OFFSET_MASK) == 0;
        int l4 = ip + ihl;
        // In bounds: the ICMP type byte is read only when it lies below both headerLength and the
        // packet's own total length.
        if (ipProtocol == Ipv4Header.PROTOCOL_ICMP && firstFragment && l4 < headerLength && ihl < total) {
            icmpType = NetworkOrder.u8(h, l4 + Icmp.TYPE);
        }
        return true;
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

    /** The IP protocol, -1 if not IPv4. */
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
