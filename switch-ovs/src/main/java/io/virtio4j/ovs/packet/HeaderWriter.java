package io.virtio4j.ovs.packet;

import java.lang.foreign.MemorySegment;

/**
 * Writes the headers of frames the switch originates (its gateway's ARP and ICMP answers) and test or demo guests send. The
 * output segment checks every store against its size; callers size their frames below it.
 */
public final class HeaderWriter {
    private HeaderWriter() {
    }

    /** An untagged Ethernet header at offset 0; returns the offset after it. */
    public static int ethernet(MemorySegment out, long destination, long source, int type) {
        NetworkOrder.putMac(out, Ethernet.DESTINATION, destination);
        NetworkOrder.putMac(out, Ethernet.SOURCE, source);
        NetworkOrder.putU16(out, Ethernet.TYPE, type);
        return Ethernet.HEADER_LENGTH;
    }

    /**
     * A 20-byte IPv4 header without options at {@code offset}, don't-fragment clear, identification
     * 0, TTL 64, with its checksum; returns the offset after it.
     */
    public static int ipv4(MemorySegment out, int offset, int totalLength, int protocol, int source, int destination) {
        NetworkOrder.putU8(out, offset + Ipv4Header.VERSION_IHL, 0x45);
        NetworkOrder.putU8(out, offset + Ipv4Header.TOS, 0);
        NetworkOrder.putU16(out, offset + Ipv4Header.TOTAL_LENGTH, totalLength);
        NetworkOrder.putU32(out, offset + Ipv4Header.IDENTIFICATION, 0);
        NetworkOrder.putU8(out, offset + Ipv4Header.TTL, Ipv4Header.DEFAULT_TTL);
        NetworkOrder.putU8(out, offset + Ipv4Header.PROTOCOL, protocol);
        NetworkOrder.putU16(out, offset + Ipv4Header.CHECKSUM, 0);
        NetworkOrder.putU32(out, offset + Ipv4Header.SOURCE, source);
        NetworkOrder.putU32(out, offset + Ipv4Header.DESTINATION, destination);
        NetworkOrder.putU16(out, offset + Ipv4Header.CHECKSUM, Checksum.compute(out, offset, Ipv4Header.MIN_LENGTH));
        return offset + Ipv4Header.MIN_LENGTH;
    }

    /**
     * A whole Ethernet/IPv4 ARP frame ({@code operation} {@link Arp#OP_REQUEST} or
     * {@link Arp#OP_REPLY}) from {@code senderMac}, padded to the minimum frame; returns its length.
     */
    public static int arp(MemorySegment out, long ethDestination, int operation, long senderMac, int senderIp,
                          long targetMac, int targetIp) {
        int a = ethernet(out, ethDestination, senderMac, Ethernet.TYPE_ARP);
        NetworkOrder.putU16(out, a + Arp.HARDWARE_TYPE, Arp.HARDWARE_ETHERNET);
        NetworkOrder.putU16(out, a + Arp.PROTOCOL_TYPE, Ethernet.TYPE_IPV4);
        NetworkOrder.putU8(out, a + Arp.HARDWARE_LENGTH, 6);
        NetworkOrder.putU8(out, a + Arp.PROTOCOL_LENGTH, 4);
        NetworkOrder.putU16(out, a + Arp.OPERATION, operation);
        NetworkOrder.putMac(out, a + Arp.SENDER_MAC, senderMac);
        NetworkOrder.putU32(out, a + Arp.SENDER_IP, senderIp);
        NetworkOrder.putMac(out, a + Arp.TARGET_MAC, targetMac);
        NetworkOrder.putU32(out, a + Arp.TARGET_IP, targetIp);
        return padToMinimum(out, a + Arp.LENGTH);
    }

    /** Zero-fills {@code [from, Ethernet.MIN_FRAME)} and returns the padded length (at least 60). */
    public static int padToMinimum(MemorySegment out, int from) {
        if (from >= Ethernet.MIN_FRAME) {
            return from;
        }
        out.asSlice(from, Ethernet.MIN_FRAME - from).fill((byte) 0);
        return Ethernet.MIN_FRAME;
    }
}
