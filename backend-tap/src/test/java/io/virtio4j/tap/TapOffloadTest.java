package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.PROTO_TCP;
import static io.virtio4j.tap.testing.Frames.PROTO_UDP;
import static io.virtio4j.tap.testing.Frames.TCP;
import static io.virtio4j.tap.testing.Frames.UDP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.OffloadFrames;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.NeedsKernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * Checksum and segmentation offloads, observed on a second TAP: the namespace routes frames written
 * into TAP "in" (10.199.4.0/24) out through TAP "out" (10.199.5.0/24). When "out" has not set
 * TUN_F_CSUM/TSO4 the kernel must finish the checksum and segment the super-frame in software
 * before handing it over, so what the test reads on "out" is exactly what the offload produced.
 */
@NeedsKernel
class TapOffloadTest extends KernelTestSupport {
    private static final String IN_PEER = "10.199.4.2";
    private static final String OUT_PEER = "10.199.5.2";
    private static final String IN_PEER_MAC = "02:00:00:00:00:01";
    private static final int MSS = 1400;
    private static final int TCP_PAYLOAD = 8000;
    private static final int FIRST_SEQ = 1000;

    private static NetNs router(TapFixture in, TapFixture out) {
        NetNs ns = NetNs.create();
        try {
            ns.configure(in.name(), "10.199.4.1/24");
            ns.configure(out.name(), "10.199.5.1/24");
            ns.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            ns.neighbour(OUT_PEER, PEER_MAC, out.name());
            return ns;
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    private static boolean protocol(MemorySegment f, int length, int protocol) {
        return length >= L4 && Frames.u16(f, 12) == Frames.ETHERTYPE_IPV4 && Frames.u8(f, ETH + 9) == protocol;
    }

    @Test
    void partialChecksumIsCompletedWhenForwardedToATapWithoutCsum() {
        try (TapFixture in = new TapFixture(1); TapFixture out = new TapFixture(1); NetNs ns = router(in, out)) {
            MemorySegment f = in.frame(0);
            int length = OffloadFrames.partialChecksumUdp(in.header(0), f, Frames.mac(ns.mac(in.name())), Frames.mac(IN_PEER_MAC),
                    Frames.ipv4(IN_PEER), Frames.ipv4(OUT_PEER), 7000, 600, 42, true);
            assertTrue(!Frames.l4ChecksumValid(f), "the frame as written must not carry a valid checksum");
            assertEquals(VirtioNetHeader.SIZE + length, in.write(0, length));

            int received = out.await(0, 5000, (g, n) -> protocol(g, n, PROTO_UDP));
            assertEquals(length, received);
            MemorySegment g = out.frame(0);
            assertEquals(0, new VirtioNetHeader().wrap(out.header(0), 0).flags() & VirtioNetHeader.F_NEEDS_CSUM);
            assertEquals(63, Frames.u8(g, ETH + 8), "forwarded once");
            assertTrue(Frames.l4ChecksumValid(g), "kernel completed the UDP checksum");
            assertTrue(Frames.payloadMatches(g, L4 + UDP, 600, 42));
        }
    }

    /** Writes an Ethernet/IPv4/TCP super-frame of 8000 payload bytes with a TSO vnet header; returns its payload. */
    private static byte[] writeTcpSuperFrame(TapFixture in, byte[] dstMac) {
        MemorySegment f = in.frame(0);
        int length = OffloadFrames.tcpSuperFrame(in.header(0), f, dstMac, Frames.mac(IN_PEER_MAC), Frames.ipv4(IN_PEER),
                Frames.ipv4(OUT_PEER), 5000, 6000, FIRST_SEQ, TCP_PAYLOAD, MSS);
        assertEquals(VirtioNetHeader.SIZE + length, in.write(0, length));
        return f.asSlice(L4 + TCP, TCP_PAYLOAD).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void tcpGsoSuperFrameLeavesAsCorrectlySegmentedTcp() {
        try (TapFixture in = new TapFixture(1); TapFixture out = new TapFixture(1); NetNs ns = router(in, out)) {
            byte[] payload = writeTcpSuperFrame(in, Frames.mac(ns.mac(in.name())));
            int expectedSegments = (TCP_PAYLOAD + MSS - 1) / MSS;
            int offset = 0;
            for (int segment = 0; segment < expectedSegments; segment++) {
                int length = out.await(0, 5000, (g, n) -> protocol(g, n, PROTO_TCP));
                int size = Math.min(MSS, TCP_PAYLOAD - offset);
                assertEquals(L4 + TCP + size, length, "segment " + segment);
                MemorySegment g = out.frame(0);
                VirtioNetHeader header = new VirtioNetHeader().wrap(out.header(0), 0);
                assertEquals(VirtioNetHeader.GSO_NONE, header.gsoType());
                assertEquals(Frames.IP + TCP + size, Frames.u16(g, ETH + 2));
                assertTrue(Frames.ipv4ChecksumValid(g), "IP checksum of segment " + segment);
                assertTrue(Frames.l4ChecksumValid(g), "TCP checksum of segment " + segment);
                assertEquals(FIRST_SEQ + offset, Frames.u32(g, L4 + 4), "sequence number of segment " + segment);
                byte[] expected = java.util.Arrays.copyOfRange(payload, offset, offset + size);
                assertArrayEquals(expected, g.asSlice(L4 + TCP, size).toArray(ValueLayout.JAVA_BYTE), "payload of segment " + segment);
                offset += size;
            }
            assertEquals(TCP_PAYLOAD, offset);
            assertEquals(-1, out.await(0, 200, (g, n) -> protocol(g, n, PROTO_TCP)), "no extra segment");
        }
    }

    @Test
    void tapWithTso4ReceivesTheSuperFrameUnsegmentedWithItsGsoHeader() {
        try (TapFixture in = new TapFixture(1); TapFixture out = new TapFixture(1); NetNs ns = router(in, out)) {
            out.tap().setOffloads(OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_CSUM.mask()
                    | VirtioFeature.NET_GUEST_TSO4.mask()));
            byte[] payload = writeTcpSuperFrame(in, Frames.mac(ns.mac(in.name())));
            int length = out.await(0, 5000, (g, n) -> protocol(g, n, PROTO_TCP));
            assertEquals(L4 + TCP + TCP_PAYLOAD, length, "one super-frame");
            VirtioNetHeader header = new VirtioNetHeader().wrap(out.header(0), 0);
            assertEquals(VirtioNetHeader.GSO_TCPV4, header.gsoType());
            assertEquals(MSS, header.gsoSize());
            assertEquals(VirtioNetHeader.F_NEEDS_CSUM, header.flags() & VirtioNetHeader.F_NEEDS_CSUM);
            assertEquals(L4, header.csumStart());
            assertEquals(16, header.csumOffset());
            assertArrayEquals(payload, out.frame(0).asSlice(L4 + TCP, TCP_PAYLOAD).toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
