package io.virtio4j.tap;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.PROTO_UDP;
import static io.virtio4j.tap.testing.Frames.UDP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.NeedsKernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** A real TAP in a fresh namespace: UDP both ways, checksum offload on write. */
@NeedsKernel
class TapKernelTest extends KernelTestSupport {
    static final String NS_IP = "10.199.0.1";
    static final String PEER_IP = "10.199.0.2";


    @Test
    void udpSentInTheNamespaceIsReadFromTheTapWithItsHeaderAndBytes() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), NS_IP + "/24");
            ns.neighbour(PEER_IP, PEER_MAC, tap.name());
            byte[] nsMac = Frames.mac(ns.mac(tap.name()));
            String sent = NetNs.await(ns.startScript("udp_send.py", PEER_IP, 9000, 5, 300), 20);
            assertEquals(5, NetNs.field(sent, "sent"));
            VirtioNetHeader header = new VirtioNetHeader().wrap(tap.header(0), 0);
            for (long seq = 0; seq < 5; seq++) {
                int length = tap.await(0, 5000, (f, n) -> Frames.isUdpTo(f, n, 9000));
                assertEquals(L4 + UDP + 300, length, "frame length of datagram " + seq);
                MemorySegment f = tap.frame(0);
                assertEquals(VirtioNetHeader.GSO_NONE, header.gsoType());
                assertEquals(0, header.flags() & VirtioNetHeader.F_NEEDS_CSUM, "no TUN_F_CSUM, so the kernel must checksum");
                assertArrayEquals(Frames.mac(PEER_MAC), f.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(nsMac, f.asSlice(6, 6).toArray(ValueLayout.JAVA_BYTE));
                assertEquals(Frames.ipv4(NS_IP), Frames.u32(f, ETH + 12));
                assertEquals(Frames.ipv4(PEER_IP), Frames.u32(f, ETH + 16));
                assertTrue(Frames.ipv4ChecksumValid(f));
                assertTrue(Frames.l4ChecksumValid(f));
                assertTrue(Frames.payloadMatches(f, L4 + UDP, 300, seq), "payload of datagram " + seq);
            }
        }
    }

    @Test
    void framesWrittenIntoTheTapReachAUdpSocketInTheNamespace() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), NS_IP + "/24");
            byte[] nsMac = Frames.mac(ns.mac(tap.name()));
            Process receiver = ns.startScript("udp_recv.py", NS_IP, 9001, 5, 200, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            new VirtioNetHeader().wrap(tap.header(0), 0).clear();
            for (long seq = 0; seq < 5; seq++) {
                int length = Frames.udpFrame(tap.frame(0), nsMac, Frames.mac(PEER_MAC),
                        Frames.ipv4(PEER_IP), Frames.ipv4(NS_IP), 4000, 9001, 200, seq);
                assertEquals(VirtioNetHeader.SIZE + length, tap.write(0, length));
            }
            String summary = NetNs.await(receiver, 20);
            assertEquals(5, NetNs.field(summary, "valid"), summary);
            assertEquals(0, NetNs.field(summary, "invalid"), summary);
            assertEquals(0, NetNs.field(summary, "duplicates"), summary);
        }
    }

    /**
     * A NEEDS_CSUM frame is accepted and delivered. Local delivery trusts CHECKSUM_PARTIAL, so this
     * proves the header is parsed, not the checksum: TapOffloadTest proves the completed checksum.
     */
    @Test
    void partialChecksumFrameWithNeedsCsumIsDeliveredToTheSocket() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), NS_IP + "/24");
            byte[] nsMac = Frames.mac(ns.mac(tap.name()));
            Process receiver = ns.startScript("udp_recv.py", NS_IP, 9002, 3, 500, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            for (long seq = 0; seq < 3; seq++) {
                MemorySegment f = tap.frame(0);
                int length = Frames.udpFrame(f, nsMac, Frames.mac(PEER_MAC),
                        Frames.ipv4(PEER_IP), Frames.ipv4(NS_IP), 4000, 9002, 500, seq);
                // Like a guest with CSUM: the checksum field holds only the folded pseudo-header sum.
                Frames.u16(f, L4 + 6, Frames.pseudoHeader(f, PROTO_UDP, UDP + 500));
                new VirtioNetHeader().wrap(tap.header(0), 0).clear()
                        .flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(L4).csumOffset(6);
                assertEquals(VirtioNetHeader.SIZE + length, tap.write(0, length));
            }
            String summary = NetNs.await(receiver, 20);
            assertEquals(3, NetNs.field(summary, "valid"), summary);
        }
    }

    @Test
    void aMalformedVnetHeaderIsRejectedWithEinvalAndCounted() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), NS_IP + "/24");
            int length = Frames.udpFrame(tap.frame(0), Frames.mac(ns.mac(tap.name())), Frames.mac(PEER_MAC),
                    Frames.ipv4(PEER_IP), Frames.ipv4(NS_IP), 4000, 9003, 100, 0);
            // A hostile guest: a GSO type the kernel does not know.
            new VirtioNetHeader().wrap(tap.header(0), 0).clear().gsoType(0x33).gsoSize(100).hdrLen(L4 + UDP);
            TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class, () -> tap.write(0, length));
            assertEquals(22, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("writev on TAP " + tap.name() + " queue 0 failed"), e.getMessage());
            TapQueueStats stats = tap.tap().queue(0).stats();
            assertEquals(1, stats.writeErrors());
            assertEquals(0, stats.framesWritten());
            // The queue still works after the bad frame.
            new VirtioNetHeader().wrap(tap.header(0), 0).clear();
            assertEquals(VirtioNetHeader.SIZE + length, tap.write(0, length));
            assertEquals(1, stats.framesWritten());
        }
    }

    @Test
    void theDataPathDoesNotAllocatePerFrame() {
        io.virtio4j.testing.AllocationCounter counter = new io.virtio4j.testing.AllocationCounter();
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), NS_IP + "/24");
            int length = Frames.udpFrame(tap.frame(0), Frames.mac(ns.mac(tap.name())), Frames.mac(PEER_MAC),
                    Frames.ipv4(PEER_IP), Frames.ipv4(NS_IP), 4000, 9999, 64, 0);
            new VirtioNetHeader().wrap(tap.header(0), 0).clear();
            int frames = 20_000;
            // A real per-frame allocation shows in every round; JIT warm-up only in early ones.
            long allocated = counter.leastAllocated(5, frames - 1, () -> {
                for (int i = 0; i < frames; i++) {
                    tap.write(0, length);
                    tap.poll(0);
                }
            });
            System.out.printf("TAP data path: %d bytes allocated over %d writev + %d readv%n", allocated, frames, frames);
            assertTrue(allocated < frames, "less than one byte per frame, was " + allocated + " bytes");
        }
    }
}
