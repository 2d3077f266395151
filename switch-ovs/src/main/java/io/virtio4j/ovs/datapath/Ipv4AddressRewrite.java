package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.packet.ParsedFrame;
import io.virtio4j.ovs.pipeline.Verdict;

/**
 * OpenFlow's set_field ipv4_src / ipv4_dst on a head the executor built: the address written, the
 * IPv4 header checksum and, for the first fragment of TCP or UDP, the L4 checksum updated
 * incrementally (RFC 1624; their pseudo-header holds the addresses). A checksum a guest left to
 * the device (NEEDS_CSUM) holds the pseudo-header's partial sum and is updated as a sum; a UDP
 * datagram sent without a checksum (0) keeps none. Everything is read and written within the
 * head's {@code length} bytes, checked first: a header the head does not hold is left alone
 * (the pipeline only sets these for frames it parsed as IPv4). Stateless.
 */
final class Ipv4AddressRewrite {
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_CHECKSUM = 6;

    private Ipv4AddressRewrite() {
    }

    /**
     * Applies {@code v}'s addresses to the IPv4 header at {@code l3} of {@code out}, whose first
     * {@code length} bytes are the head; {@code partial}: the L4 checksum is a partial sum.
     */
    static void apply(MemorySegment out, int l3, int length, Verdict v, boolean partial) {
        // In bounds: the fixed header is touched only once l3 + 20 <= length is known, the rest of
        // the header (options) once l3 + ihl <= length is.
        if (l3 + Ipv4Header.MIN_LENGTH > length) {
            return;
        }
        int ihl = (NetworkOrder.u8(out, l3 + Ipv4Header.VERSION_IHL) & 0x0f) * 4;
        if (ihl < Ipv4Header.MIN_LENGTH || l3 + ihl > length) {
            return;
        }
        int l4Checksum = l4Checksum(out, l3, ihl, length);
        if (v.ipv4Source() != Verdict.KEEP_IPV4) {
            replace(out, l3 + Ipv4Header.SOURCE, (int) v.ipv4Source(), l3, l4Checksum, partial);
        }
        if (v.ipv4Destination() != Verdict.KEEP_IPV4) {
            replace(out, l3 + Ipv4Header.DESTINATION, (int) v.ipv4Destination(), l3, l4Checksum, partial);
        }
    }

    /** Where the TCP or UDP checksum of the packet lies in the head, or -1 (none to update). */
    private static int l4Checksum(MemorySegment out, int l3, int ihl, int length) {
        // In bounds: the fixed header lies below length (checked by the caller's caller).
        boolean first = (NetworkOrder.u16(out, l3 + Ipv4Header.FLAGS_FRAGMENT) & Ipv4Header.FRAGMENT_OFFSET_MASK) == 0;
        int protocol = NetworkOrder.u8(out, l3 + Ipv4Header.PROTOCOL);
        int at = protocol == ParsedFrame.PROTOCOL_TCP ? l3 + ihl + TCP_CHECKSUM
                : protocol == ParsedFrame.PROTOCOL_UDP ? l3 + ihl + UDP_CHECKSUM : -1;
        if (!first || at < 0 || at + 2 > length) {
            return -1;
        }
        // In bounds: at + 2 <= length (checked just above).
        if (protocol == ParsedFrame.PROTOCOL_UDP && NetworkOrder.u16(out, at) == 0) {
            return -1; // a UDP datagram without a checksum: nothing to keep right
        }
        return at;
    }

    private static void replace(MemorySegment out, int at, int address, int l3, int l4Checksum, boolean partial) {
        // In bounds: at + 4 <= l3 + 20 <= length; l4Checksum + 2 <= length (l4Checksum).
        int old = NetworkOrder.u32(out, at);
        NetworkOrder.putU32(out, at, address);
        for (int shift = 16; shift >= 0; shift -= 16) {
            int oldWord = old >>> shift & 0xffff;
            int newWord = address >>> shift & 0xffff;
            Checksum.adjustInPlace(out, l3 + Ipv4Header.CHECKSUM, oldWord, newWord);
            if (l4Checksum >= 0) {
                int sum = NetworkOrder.u16(out, l4Checksum);
                NetworkOrder.putU16(out, l4Checksum, partial ? Checksum.adjustPartial(sum, oldWord, newWord)
                        : Checksum.adjust(sum, oldWord, newWord));
            }
        }
    }
}
