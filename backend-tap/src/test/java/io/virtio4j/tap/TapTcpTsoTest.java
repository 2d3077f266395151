package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.PROTO_TCP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * A TCP sender in the namespace and a one-handshake TCP peer on the TAP fd: once the TAP has
 * TUN_F_CSUM|TUN_F_TSO4, the stack hands it TSO super-frames, which arrive with gso_type TCPV4.
 */
class TapTcpTsoTest extends KernelTestSupport {
    private static final String NS_IP = "10.199.8.1";
    private static final String PEER_IP = "10.199.8.2";
    private static final int PORT = 9300;
    private static final int MSS = 1460;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    private static boolean tcpToPeer(MemorySegment f, int length, int flags) {
        return length >= L4 + 20 && Frames.u16(f, 12) == Frames.ETHERTYPE_IPV4 && Frames.u8(f, ETH + 9) == PROTO_TCP
                && Frames.u16(f, L4 + 2) == PORT && (Frames.u8(f, L4 + 13) & flags) == flags;
    }

    /** Turns the SYN in {@code f} into our SYN-ACK in place (MSS option 1460, window 65535) and writes it. */
    private static void answerSyn(TapFixture tap, byte[] nsMac) {
        MemorySegment f = tap.frame(0);
        int clientPort = Frames.u16(f, L4);
        int clientSeq = Frames.u32(f, L4 + 4);
        int tcpLength = 24;
        Frames.ethernet(f, nsMac, Frames.mac(PEER_MAC), Frames.ETHERTYPE_IPV4);
        Frames.ipv4Header(f, PROTO_TCP, Frames.ipv4(PEER_IP), Frames.ipv4(NS_IP), tcpLength, 1);
        f.asSlice(L4, tcpLength).fill((byte) 0);
        Frames.u16(f, L4, PORT);
        Frames.u16(f, L4 + 2, clientPort);
        Frames.u32(f, L4 + 4, 5000);
        Frames.u32(f, L4 + 8, clientSeq + 1);
        f.set(ValueLayout.JAVA_BYTE, L4 + 12, (byte) 0x60); // 6 words: one option
        f.set(ValueLayout.JAVA_BYTE, L4 + 13, (byte) (SYN | ACK));
        Frames.u16(f, L4 + 14, 65535);
        f.set(ValueLayout.JAVA_BYTE, L4 + 20, (byte) 2); // MSS option
        f.set(ValueLayout.JAVA_BYTE, L4 + 21, (byte) 4);
        Frames.u16(f, L4 + 22, MSS);
        Frames.u16(f, L4 + 16, ~Frames.sum(f, L4, tcpLength, Frames.pseudoHeader(f, PROTO_TCP, tcpLength)) & 0xffff);
        new VirtioNetHeader().wrap(tap.header(0), 0).clear();
        assertEquals(VirtioNetHeader.SIZE + L4 + tcpLength, tap.write(0, L4 + tcpLength));
    }

    @Test
    void aLargeTcpSendArrivesAsTsoSuperFramesWhenTheTapAdvertisesTso4() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            tap.tap().setOffloads(OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_CSUM.mask()
                    | VirtioFeature.NET_GUEST_TSO4.mask()));
            ns.configure(tap.name(), NS_IP + "/24");
            ns.neighbour(PEER_IP, PEER_MAC, tap.name());
            byte[] nsMac = Frames.mac(ns.mac(tap.name()));
            Process client = ns.startScript("tcp_send.py", PEER_IP, PORT, 65536, 2);

            assertTrue(tap.await(0, 5000, (f, n) -> tcpToPeer(f, n, SYN)) > 0, "SYN from the namespace");
            answerSyn(tap, nsMac);

            VirtioNetHeader header = new VirtioNetHeader().wrap(tap.header(0), 0);
            int largest = 0;
            int gsoFrames = 0;
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline && gsoFrames == 0) {
                int length = tap.await(0, 100, (f, n) -> tcpToPeer(f, n, ACK));
                if (length > 0 && header.gsoType() == VirtioNetHeader.GSO_TCPV4) {
                    gsoFrames++;
                    largest = Math.max(largest, length);
                    assertEquals(MSS, header.gsoSize(), "segment size is the MSS we announced");
                    assertEquals(VirtioNetHeader.F_NEEDS_CSUM, header.flags() & VirtioNetHeader.F_NEEDS_CSUM);
                    assertEquals(L4, header.csumStart());
                    assertEquals(16, header.csumOffset());
                }
            }
            assertTrue(gsoFrames > 0, "a TSO super-frame arrived");
            assertTrue(largest > L4 + 20 + MSS, "the super-frame is longer than one segment: " + largest);
            assertTrue(NetNs.field(NetNs.await(client, 10), "queued") > 0);
        }
    }
}
