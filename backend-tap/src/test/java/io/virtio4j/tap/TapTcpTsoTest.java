package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;

import static io.virtio4j.tap.testing.Frames.L4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.tap.testing.TcpSynAck;
import io.virtio4j.testing.NeedsKernel;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/**
 * A TCP sender in the namespace and a one-handshake TCP peer on the TAP fd: once the TAP has
 * TUN_F_CSUM|TUN_F_TSO4, the stack hands it TSO super-frames, which arrive with gso_type TCPV4.
 */
@NeedsKernel
class TapTcpTsoTest extends KernelTestSupport {
    private static final String NS_IP = "10.199.8.1";
    private static final String PEER_IP = "10.199.8.2";
    private static final int PORT = 9300;
    private static final int MSS = 1460;
    private static final int SYN = TcpSynAck.SYN;
    private static final int ACK = TcpSynAck.ACK;

    private static boolean tcpToPeer(MemorySegment f, int length, int flags) {
        return TcpSynAck.tcpTo(f, length, PORT, flags);
    }

    /** Answers the SYN in the TAP's frame buffer with our SYN-ACK. */
    private static void answerSyn(TapFixture tap, byte[] nsMac) {
        int length = TcpSynAck.answer(tap.frame(0), nsMac, Frames.mac(PEER_MAC), Frames.ipv4(PEER_IP), Frames.ipv4(NS_IP), PORT, MSS);
        new VirtioNetHeader().wrap(tap.header(0), 0).clear();
        assertEquals(VirtioNetHeader.SIZE + length, tap.write(0, length));
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
