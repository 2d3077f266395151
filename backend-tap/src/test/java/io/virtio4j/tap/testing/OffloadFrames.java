package io.virtio4j.tap.testing;

import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.PROTO_TCP;
import static io.virtio4j.tap.testing.Frames.PROTO_UDP;
import static io.virtio4j.tap.testing.Frames.TCP;
import static io.virtio4j.tap.testing.Frames.UDP;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Frames as a guest with VIRTIO_NET_F_CSUM / HOST_TSO4 sends them: the L4 checksum field holds
 * only the pseudo-header sum and the vnet header asks the other side to finish it (and to cut a
 * super-frame into MSS-sized segments). Shared by the TAP-level and the device-level offload tests.
 */
public final class OffloadFrames {
    private OffloadFrames() {
    }

    /**
     * Writes an Ethernet/IPv4/UDP frame into {@code f} whose checksum is left partial, and a
     * NEEDS_CSUM header into {@code header} (unless {@code flagged} is false: then the frame goes
     * with a plain header and its checksum is simply wrong); returns the frame length.
     */
    public static int partialChecksumUdp(MemorySegment header, MemorySegment f, byte[] dstMac, byte[] srcMac, int src, int dst,
                                  int dstPort, int payload, long seq, boolean flagged) {
        int length = Frames.udpFrame(f, dstMac, srcMac, src, dst, 4000, dstPort, payload, seq);
        Frames.u16(f, L4 + 6, Frames.pseudoHeader(f, PROTO_UDP, UDP + payload));
        VirtioNetHeader h = new VirtioNetHeader().wrap(header, 0).clear();
        if (flagged) {
            h.flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(L4).csumOffset(6);
        }
        return length;
    }

    /**
     * Writes an Ethernet/IPv4/TCP super-frame of {@code payload} bytes (pattern {@code 7}) starting
     * at sequence number {@code seq}, with a partial checksum over the whole length (tcp_gso_segment
     * adjusts it per segment) and a NEEDS_CSUM + GSO_TCPV4 header cutting at {@code mss}; returns
     * the frame length.
     */
    public static int tcpSuperFrame(MemorySegment header, MemorySegment f, byte[] dstMac, byte[] srcMac, int src, int dst,
                             int srcPort, int dstPort, int seq, int payload, int mss) {
        int l4Length = TCP + payload;
        Frames.ethernet(f, dstMac, srcMac, Frames.ETHERTYPE_IPV4);
        Frames.ipv4Header(f, PROTO_TCP, src, dst, l4Length, 100);
        f.asSlice(L4, TCP).fill((byte) 0);
        Frames.u16(f, L4, srcPort);
        Frames.u16(f, L4 + 2, dstPort);
        Frames.u32(f, L4 + 4, seq);
        f.set(ValueLayout.JAVA_BYTE, L4 + 12, (byte) 0x50); // data offset 5 words
        f.set(ValueLayout.JAVA_BYTE, L4 + 13, (byte) 0x18); // ACK|PSH
        Frames.u16(f, L4 + 14, 65535);
        Frames.payload(f, L4 + TCP, payload, 7);
        Frames.u16(f, L4 + 16, Frames.pseudoHeader(f, PROTO_TCP, l4Length));
        new VirtioNetHeader().wrap(header, 0).clear()
                .flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4)
                .hdrLen(L4 + TCP).gsoSize(mss).csumStart(L4).csumOffset(16);
        return L4 + l4Length;
    }
}
