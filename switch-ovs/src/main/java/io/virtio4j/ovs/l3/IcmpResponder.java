package io.virtio4j.ovs.l3;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.HeaderWriter;
import io.virtio4j.ovs.packet.Icmp;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.packet.ParsedFrame;

/**
 * The ICMP the gateway originates: echo replies to pings of its address, and time exceeded when
 * a routed packet's TTL runs out. Replies are untagged, addressed to the frame's source MAC.
 */
public final class IcmpResponder {
    private IcmpResponder() {
    }

    /**
     * Writes an echo reply to the echo request in {@code header} into {@code out}; returns its
     * length, or 0 if the request is not wholly in the captured header (the pipeline sees only the
     * first {@code FramePipeline.HEADER_BYTES}: untagged pings of up to 86 data bytes are answered) or
     * would not fit {@code out}.
     */
    public static int echoReply(MemorySegment header, ParsedFrame f, long gatewayMac, MemorySegment out) {
        if (f.icmpType() != Icmp.TYPE_ECHO_REQUEST || !f.ipPacketCaptured() || isGroup(f.ethSource())) {
            return 0;
        }
        int icmpLength = f.ipTotalLength() - f.ipHeaderLength();
        int l4 = f.l3Offset() + f.ipHeaderLength();
        int length = Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + icmpLength;
        if (icmpLength < Icmp.HEADER_LENGTH || length > out.byteSize()
                || !Checksum.verify(header, l4, icmpLength)) {
            return 0;
        }
        // In bounds: ipPacketCaptured() says l4 + icmpLength <= headerLength; length <= out's size.
        int ip = HeaderWriter.ethernet(out, f.ethSource(), gatewayMac, Ethernet.TYPE_IPV4);
        int icmp = HeaderWriter.ipv4(out, ip, Ipv4Header.MIN_LENGTH + icmpLength, Ipv4Header.PROTOCOL_ICMP,
                f.networkDestination(), f.ipSource());
        MemorySegment.copy(header, l4, out, icmp, icmpLength);
        // Only the type changes (8 to 0) in the first word (type, code): patch the checksum for it.
        int oldWord = NetworkOrder.u16(out, icmp + Icmp.TYPE);
        int newWord = (Icmp.TYPE_ECHO_REPLY << 8) | (oldWord & 0xff);
        NetworkOrder.putU8(out, icmp + Icmp.TYPE, Icmp.TYPE_ECHO_REPLY);
        Checksum.adjustInPlace(out, icmp + Icmp.CHECKSUM, oldWord, newWord);
        return HeaderWriter.padToMinimum(out, length);
    }

    /**
     * Writes an ICMP time exceeded (type 11, code 0) about the packet in {@code header}, from
     * {@code sourceIp} and {@code gatewayMac}, quoting its IP header and first 8 payload bytes as
     * far as captured; returns its length, or 0 where RFC 1812 4.3.2.7 forbids an error: about an
     * ICMP error, a non-first fragment, a packet from a group MAC or to or from a non-unicast IP.
     */
    public static int timeExceeded(MemorySegment header, ParsedFrame f, int sourceIp, long gatewayMac, MemorySegment out) {
        if (!f.firstFragment() || isGroup(f.ethSource()) || !unicastIp(f.ipSource()) || !unicastIp(f.networkDestination())
                || (f.ipProtocol() == Ipv4Header.PROTOCOL_ICMP && (f.icmpType() < 0 || !Icmp.isQuery(f.icmpType())))) {
            return 0;
        }
        int quoted = Math.min(f.ipHeaderLength() + Math.min(Icmp.ERROR_QUOTED_PAYLOAD, f.ipTotalLength() - f.ipHeaderLength()),
                f.headerLength() - f.l3Offset());
        int icmpLength = Icmp.HEADER_LENGTH + quoted;
        int length = Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + icmpLength;
        if (length > out.byteSize()) {
            return 0;
        }
        // In bounds: quoted bytes from l3Offset lie below headerLength (min above); length <= out's size.
        int ip = HeaderWriter.ethernet(out, f.ethSource(), gatewayMac, Ethernet.TYPE_IPV4);
        int icmp = HeaderWriter.ipv4(out, ip, Ipv4Header.MIN_LENGTH + icmpLength, Ipv4Header.PROTOCOL_ICMP,
                sourceIp, f.ipSource());
        NetworkOrder.putU8(out, icmp + Icmp.TYPE, Icmp.TYPE_TIME_EXCEEDED);
        NetworkOrder.putU8(out, icmp + Icmp.CODE, 0);
        NetworkOrder.putU16(out, icmp + Icmp.CHECKSUM, 0);
        NetworkOrder.putU32(out, icmp + Icmp.REST, 0);
        MemorySegment.copy(header, f.l3Offset(), out, icmp + Icmp.HEADER_LENGTH, quoted);
        NetworkOrder.putU16(out, icmp + Icmp.CHECKSUM, Checksum.compute(out, icmp, icmpLength));
        return HeaderWriter.padToMinimum(out, length);
    }

    private static boolean isGroup(long mac) {
        return Ethernet.isMulticast(mac);
    }

    /** Not 0.0.0.0, not limited broadcast, not class D/E (multicast, reserved). */
    private static boolean unicastIp(int ip) {
        return ip != 0 && (ip >>> 28) < 0xe;
    }
}
