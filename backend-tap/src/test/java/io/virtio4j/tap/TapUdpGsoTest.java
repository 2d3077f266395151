package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * A GSO send from a socket in the namespace (UDP_SEGMENT): with TUN_F_CSUM|TUN_F_USO4 the TAP
 * hands the super-frame over with gso_type UDP_L4; without, the kernel segments it first.
 */
@NeedsKernel
class TapUdpGsoTest extends KernelTestSupport {
    private static final String NS_IP = "10.199.7.1";
    private static final String PEER_IP = "10.199.7.2";
    private static final int SIZE = 8000;
    private static final int SEGMENT = 1400;

    private static boolean udp(MemorySegment f, int length) {
        return length >= L4 + UDP && Frames.u16(f, 12) == Frames.ETHERTYPE_IPV4 && Frames.u8(f, ETH + 9) == Frames.PROTO_UDP;
    }

    private static void assertPayload(MemorySegment f, int offset, int length, int firstIndex) {
        for (int i = 0; i < length; i++) {
            assertEquals((byte) ((firstIndex + i) * 7), f.get(ValueLayout.JAVA_BYTE, offset + i), "payload byte " + (firstIndex + i));
        }
    }

    private static NetNs namespaceFor(TapFixture tap) {
        return NetNs.withLink(tap.name(), NS_IP + "/24", PEER_IP, PEER_MAC);
    }

    @Test
    void withUso4TheTapReceivesOneUdpL4SuperFrame() {
        try (TapFixture tap = new TapFixture(1)) {
            Prerequisites.require(tap.tap().capabilities().uso(), "a kernel with TUN_F_USO4 (Linux 6.2+)");
            tap.tap().setOffloads(OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_CSUM.mask()
                    | VirtioFeature.NET_GUEST_USO4.mask() | VirtioFeature.NET_GUEST_USO6.mask()));
            try (NetNs ns = namespaceFor(tap)) {
                assertEquals(SIZE, NetNs.field(NetNs.await(ns.startScript("udp_gso_send.py", PEER_IP, 9200, SIZE, SEGMENT), 20), "sent"));
                int length = tap.await(0, 5000, TapUdpGsoTest::udp);
                assertEquals(L4 + UDP + SIZE, length, "one super-frame");
                VirtioNetHeader header = new VirtioNetHeader().wrap(tap.header(0), 0);
                assertEquals(VirtioNetHeader.GSO_UDP_L4, header.gsoType());
                assertEquals(SEGMENT, header.gsoSize());
                assertEquals(VirtioNetHeader.F_NEEDS_CSUM, header.flags() & VirtioNetHeader.F_NEEDS_CSUM);
                assertEquals(L4, header.csumStart());
                assertEquals(6, header.csumOffset());
                assertPayload(tap.frame(0), L4 + UDP, SIZE, 0);
            }
        }
    }

    @Test
    void withoutOffloadsTheKernelSegmentsTheGsoSendBeforeTheTap() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = namespaceFor(tap)) {
            NetNs.await(ns.startScript("udp_gso_send.py", PEER_IP, 9201, SIZE, SEGMENT), 20);
            int offset = 0;
            while (offset < SIZE) {
                int length = tap.await(0, 5000, TapUdpGsoTest::udp);
                int expected = Math.min(SEGMENT, SIZE - offset);
                assertEquals(L4 + UDP + expected, length, "datagram at payload offset " + offset);
                assertEquals(VirtioNetHeader.GSO_NONE, new VirtioNetHeader().wrap(tap.header(0), 0).gsoType());
                assertTrue(Frames.l4ChecksumValid(tap.frame(0)), "UDP checksum at payload offset " + offset);
                assertPayload(tap.frame(0), L4 + UDP, expected, offset);
                offset += expected;
            }
        }
    }
}
