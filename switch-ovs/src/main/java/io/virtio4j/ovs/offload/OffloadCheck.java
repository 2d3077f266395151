package io.virtio4j.ovs.offload;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.spi.net.VirtioNetHeader;

/**
 * Checks a guest's TX virtio-net header against what the guest negotiated and the frame it came
 * with, before the switch trusts any of its fields: the rules of Linux's
 * {@code virtio_net_hdr_to_skb} and DPDK's {@code vhost_dequeue_offload} (learned from, not
 * copied), made stricter where the switch must edit the frame: a super-frame's headers must be
 * what its GSO type says, at csum_start, within the header bytes the switch read.
 *
 * <p>Only the 10 header bytes (read by the port into host memory, so the guest cannot change
 * them after the check) and the frame's first bytes (the batch's copy) are read, every offset
 * compared with the frame's length and the copy's before it is used: a hostile header costs its
 * own frame and nothing else.
 */
public final class OffloadCheck {
    /** A super-frame may make at most this many segments (a 64 KB frame at an MSS of 512). */
    public static final int MAX_SEGMENTS = 128;
    /** The longest frame that is not a super-frame: a 9216-byte jumbo plus an 802.1Q tag. */
    public static final int MAX_PLAIN_FRAME = 9216 + 4;
    private static final int TYPE_IPV6 = 0x86dd;
    private static final int TYPE_VLAN = 0x8100;
    private static final int TYPE_QINQ = 0x88a8;
    private static final int IPV6_HEADER = 40;
    private static final int IPV6_NEXT_HEADER = 6;
    private static final int PROTOCOL_TCP = 6;
    /** The TCP checksum's offset in its header, the one csum_offset a super-frame may have. */
    public static final int TCP_CHECKSUM = 16;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int TCP_MIN_HEADER = 20;

    private OffloadCheck() {
    }

    /**
     * Checks the virtio-net header {@code vnet} (wrapped over the port's host copy) of a frame of
     * {@code frameLength} bytes whose first {@code headLength} bytes are in {@code head}, from a
     * guest that negotiated {@code features}; fills {@code out} and returns null when it is
     * consistent, else returns why not ({@code out} then means nothing).
     */
    public static OffloadError check(VirtioNetHeader vnet, long features, MemorySegment head, int headLength,
                                     long frameLength, FrameOffload out) {
        out.clear();
        int flags = vnet.flags();
        int gsoField = vnet.gsoType();
        int gso = gsoField & ~VirtioNetHeader.GSO_ECN;
        if (flags == 0 && gsoField == 0) {
            // A complete frame; a jumbo's limit still holds for it.
            return frameLength > MAX_PLAIN_FRAME ? OffloadError.OVERSIZED : null;
        }
        if ((flags & ~VirtioNetHeader.F_NEEDS_CSUM) != 0) {
            return OffloadError.BAD_FLAGS;
        }
        if (flags != 0 && !VirtioFeature.NET_CSUM.in(features)) {
            return OffloadError.NOT_NEGOTIATED;
        }
        if (gso != VirtioNetHeader.GSO_NONE && gso != VirtioNetHeader.GSO_TCPV4 && gso != VirtioNetHeader.GSO_TCPV6) {
            return OffloadError.BAD_GSO_TYPE;
        }
        boolean ecn = (gsoField & VirtioNetHeader.GSO_ECN) != 0;
        if (gso == VirtioNetHeader.GSO_TCPV4 && !VirtioFeature.NET_HOST_TSO4.in(features)
                || gso == VirtioNetHeader.GSO_TCPV6 && !VirtioFeature.NET_HOST_TSO6.in(features)
                || ecn && (gso == VirtioNetHeader.GSO_NONE || !VirtioFeature.NET_HOST_ECN.in(features))) {
            return OffloadError.NOT_NEGOTIATED;
        }
        if (flags == 0) {
            return OffloadError.GSO_WITHOUT_CSUM;
        }
        if (vnet.hdrLen() > frameLength) {
            return OffloadError.BAD_HDR_LEN;
        }
        int l3 = l3Offset(head, headLength);
        int csumStart = vnet.csumStart();
        int csumOffset = vnet.csumOffset();
        // A checksum over the Ethernet header (or its tag) would be broken by any tag push or pop.
        if (l3 < 0 || csumStart < l3 || (long) csumStart + csumOffset + 2 > frameLength) {
            return OffloadError.CSUM_OUT_OF_FRAME;
        }
        if (gso == VirtioNetHeader.GSO_NONE) {
            if (frameLength > MAX_PLAIN_FRAME) {
                return OffloadError.OVERSIZED;
            }
            out.needsCsum = true;
            out.csumStart = csumStart;
            out.csumOffset = csumOffset;
            out.l3Offset = l3;
            return null;
        }
        int headersEnd = gsoHeadersEnd(head, headLength, l3, gso, csumStart, csumOffset);
        if (headersEnd < 0 || headersEnd > frameLength) {
            return OffloadError.BAD_GSO_HEADERS;
        }
        int gsoSize = vnet.gsoSize();
        long payload = frameLength - headersEnd;
        if (gsoSize == 0 || payload == 0 || (payload + gsoSize - 1) / gsoSize > MAX_SEGMENTS) {
            return OffloadError.BAD_GSO_SIZE;
        }
        out.needsCsum = true;
        out.gsoType = gso;
        out.ecn = ecn;
        out.gsoSize = gsoSize;
        out.csumStart = csumStart;
        out.csumOffset = csumOffset;
        out.l3Offset = l3;
        out.headersEnd = headersEnd;
        return null;
    }

    /** The network header's offset past an untagged or once-tagged Ethernet header, or -1 if the copy is too short. */
    static int l3Offset(MemorySegment head, int headLength) {
        if (headLength < Ethernet.HEADER_LENGTH) {
            return -1;
        }
        // In bounds: TYPE + 2 <= HEADER_LENGTH <= headLength, the bytes the copy holds.
        int type = NetworkOrder.u16(head, Ethernet.TYPE);
        if (type != TYPE_VLAN && type != TYPE_QINQ) {
            return Ethernet.HEADER_LENGTH;
        }
        return headLength >= Ethernet.TAGGED_HEADER_LENGTH ? Ethernet.TAGGED_HEADER_LENGTH : -1;
    }

    /**
     * Where a TCP super-frame's headers end, or -1 unless the frame is IPv4 (TCPV4: no options
     * beyond its IHL, not a fragment) or IPv6 without extension headers (TCPV6), then TCP at
     * csum_start with its checksum at csum_offset, all inside the header copy.
     */
    private static int gsoHeadersEnd(MemorySegment head, int headLength, int l3, int gso, int csumStart, int csumOffset) {
        if (csumOffset != TCP_CHECKSUM || l3 + IPV6_HEADER > headLength) {
            return -1;
        }
        // In bounds below: every offset read is checked against headLength, the copy's bytes, first.
        int type = NetworkOrder.u16(head, l3 - 2);
        int l4;
        if (gso == VirtioNetHeader.GSO_TCPV4) {
            int versionIhl = NetworkOrder.u8(head, l3 + Ipv4Header.VERSION_IHL);
            int fragment = NetworkOrder.u16(head, l3 + Ipv4Header.FLAGS_FRAGMENT);
            if (type != Ethernet.TYPE_IPV4 || versionIhl >>> 4 != 4 || (versionIhl & 0xf) < 5
                    || NetworkOrder.u8(head, l3 + Ipv4Header.PROTOCOL) != PROTOCOL_TCP
                    || (fragment & (Ipv4Header.FRAGMENT_OFFSET_MASK | 0x2000)) != 0) {
                return -1;
            }
            l4 = l3 + (versionIhl & 0xf) * 4;
        } else {
            if (type != TYPE_IPV6 || NetworkOrder.u8(head, l3) >>> 4 != 6
                    || NetworkOrder.u8(head, l3 + IPV6_NEXT_HEADER) != PROTOCOL_TCP) {
                return -1;
            }
            l4 = l3 + IPV6_HEADER;
        }
        if (l4 != csumStart || l4 + TCP_MIN_HEADER > headLength) {
            return -1;
        }
        int end = l4 + (NetworkOrder.u8(head, l4 + TCP_DATA_OFFSET) >>> 4) * 4;
        return end < l4 + TCP_MIN_HEADER || end > headLength ? -1 : end;
    }
}
