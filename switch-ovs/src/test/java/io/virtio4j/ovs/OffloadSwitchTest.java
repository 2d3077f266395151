package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.offload.OffloadError;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * Offloaded frames between in-process guests over real vhost-user sockets: carried over with their
 * virtio-net header to a guest that negotiated the offload (byte for byte, one frame), completed
 * and segmented for one that did not (every segment checked by an independent checksum), and a
 * hostile header dropped and counted without touching the next frame.
 */
class OffloadSwitchTest {
    /** CSUM, GUEST_CSUM, GUEST_TSO4/6, HOST_TSO4/6 and MRG_RXBUF: what a Linux guest takes of the switch's offer. */
    static final long OFFLOADS = VirtioFeature.NET_CSUM.mask() | VirtioFeature.NET_GUEST_CSUM.mask()
            | VirtioFeature.NET_GUEST_TSO4.mask() | VirtioFeature.NET_GUEST_TSO6.mask() | VirtioFeature.NET_HOST_TSO4.mask()
            | VirtioFeature.NET_HOST_TSO6.mask() | VirtioFeature.NET_MRG_RXBUF.mask();
    /** A guest started with csum=off,guest_csum=off,...: only merged RX buffers. */
    static final long PLAIN = VirtioFeature.NET_MRG_RXBUF.mask();
    private static final int MSS = 1448;

    @TempDir
    Path dir;

    /** One frame as a guest received it: its virtio-net header (12 bytes) and its bytes. */
    record Received(int guest, byte[] header, byte[] frame) {
        int u16(int offset) {
            return MemorySegment.ofArray(header).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), offset)
                    & 0xffff;
        }
    }

    /** Three guests on VLAN 10, every frame flooded: a, b with offloads, c without. */
    private SwitchedGuests guests(long... features) throws InterruptedException {
        List<PortSpec> ports = new ArrayList<>();
        String[] names = {"a", "b", "c"};
        for (String n : names) {
            ports.add(PortSpec.access(n, PortType.VHOST_USER_SERVER, dir.resolve(n + ".sock").toString(), 10));
        }
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports))
                .idleSpin(Duration.ofMillis(1)).start();
        return new SwitchedGuests(sw, features);
    }

    static byte[] header(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        byte[] h = new byte[GuestNic.HDR];
        new VirtioNetHeader().wrap(MemorySegment.ofArray(h), 0).flags(flags).gsoType(gsoType).hdrLen(hdrLen)
                .gsoSize(gsoSize).csumStart(csumStart).csumOffset(csumOffset);
        return h;
    }

    /**
     * Sends {@code frame} behind {@code header} from guest {@code from} and collects what the other
     * guests receive (merged buffers joined) until {@code expected} frames arrived or 5 s passed.
     */
    static List<Received> exchange(SwitchedGuests s, int from, byte[] header, byte[] frame, int expected)
            throws InterruptedException {
        GuestNic src = s.guest(from);
        assertTrue(src.transmit(0, header, frame), "the sender's TX ring takes the frame");
        src.kickTx();
        List<Received> got = new ArrayList<>();
        Joiner[] joiners = new Joiner[s.guests.size()];
        for (int g = 0; g < joiners.length; g++) {
            joiners[g] = new Joiner(g, got);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (got.size() < expected && System.nanoTime() < deadline) {
            for (int g = 0; g < s.guests.size(); g++) {
                s.guest(g).receive(joiners[g]::buffer);
            }
            src.reclaimTx();
            Thread.sleep(1);
        }
        // Anything more than expected would show in the count.
        Thread.sleep(50);
        for (int g = 0; g < s.guests.size(); g++) {
            s.guest(g).receive(joiners[g]::buffer);
        }
        src.reclaimTx();
        return got;
    }

    /** Joins the buffers of one merged RX frame (num_buffers in the first header). */
    static final class Joiner {
        private final int guest;
        private final List<Received> out;
        private byte[] header;
        private final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        private int pending;

        Joiner(int guest, List<Received> out) {
            this.guest = guest;
            this.out = out;
        }

        void buffer(MemorySegment buffer, int used) {
            if (pending == 0) {
                header = GuestNic.bytes(buffer, 0, GuestNic.HDR);
                frame.reset();
                frame.writeBytes(GuestNic.payload(buffer, used));
                pending = new Received(guest, header, null).u16(VirtioNetHeader.NUM_BUFFERS) - 1;
            } else {
                frame.writeBytes(GuestNic.bytes(buffer, 0, used));
                pending--;
            }
            if (pending == 0) {
                out.add(new Received(guest, header, frame.toByteArray()));
            }
        }
    }

    @Test
    void aSuperFrameGoesToAGuestWithTsoAsItCameAndInSegmentsToOneWithout() throws Exception {
        try (SwitchedGuests s = guests(OFFLOADS, OFFLOADS, PLAIN)) {
            int payload = 20 * MSS + 100;
            byte[] sent = TcpFrames.ipv4(payload, true);
            byte[] vnet = header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, TcpFrames.V4_HEADERS, MSS, 34, 16);
            List<Received> got = exchange(s, 0, vnet, sent, 1 + 21);

            List<Received> atB = got.stream().filter(r -> r.guest() == 1).toList();
            assertEquals(1, atB.size(), "b negotiated TSO4: one super-frame");
            Received b = atB.getFirst();
            assertArrayEquals(sent, b.frame(), "carried over byte for byte");
            assertTso4Header(b);
            assertTrue(b.u16(VirtioNetHeader.NUM_BUFFERS) > 1, "a super-frame spans merged buffers");

            List<Received> atC = got.stream().filter(r -> r.guest() == 2).toList();
            assertSegments(sent, TcpFrames.V4_HEADERS, payload, atC, true);
            assertEquals(0, s.sw.pmdErrors());
        }
    }

    @Test
    void anIpv6SuperFrameIsSegmentedForAGuestWithoutTso6() throws Exception {
        try (SwitchedGuests s = guests(OFFLOADS, PLAIN, PLAIN)) {
            int payload = 5 * 1428 + 1;
            byte[] sent = TcpFrames.ipv6(payload, true);
            byte[] vnet = header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV6, TcpFrames.V6_HEADERS, 1428, 54, 16);
            List<Received> got = exchange(s, 0, vnet, sent, 2 * 6);
            assertSegments(sent, TcpFrames.V6_HEADERS, payload, got.stream().filter(r -> r.guest() == 1).toList(), false);
            assertSegments(sent, TcpFrames.V6_HEADERS, payload, got.stream().filter(r -> r.guest() == 2).toList(), false);
        }
    }

    /** {@code r} came with the virtio-net header of a TCPv4 super-frame of {@link TcpFrames#ipv4}: MSS 1448, partial checksum. */
    static void assertTso4Header(Received r) {
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, r.header()[0]);
        assertEquals(VirtioNetHeader.GSO_TCPV4, r.header()[1]);
        assertEquals(TcpFrames.V4_HEADERS, r.u16(VirtioNetHeader.HDR_LEN));
        assertEquals(MSS, r.u16(VirtioNetHeader.GSO_SIZE));
        assertEquals(34, r.u16(VirtioNetHeader.CSUM_START));
        assertEquals(16, r.u16(VirtioNetHeader.CSUM_OFFSET));
    }

    /** {@code segments} are {@code sent}'s payload in MSS pieces, each a valid TCP segment of its own. */
    static void assertSegments(byte[] sent, int headers, int payload, List<Received> segments, boolean ipv4) {
        assertSegments(sent, headers, payload, segments, ipv4, ipv4 ? MSS : 1428);
    }

    /** As above, for a super-frame of gso_size {@code mss}. */
    static void assertSegments(byte[] sent, int headers, int payload, List<Received> segments, boolean ipv4, int mss) {
        assertEquals((payload + mss - 1) / mss, segments.size(), "one frame per segment");
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int k = 0; k < segments.size(); k++) {
            byte[] f = segments.get(k).frame();
            assertEquals(0, segments.get(k).header()[0], "a complete frame: no offload flags");
            assertEquals(0, segments.get(k).header()[1]);
            assertTrue(TcpFrames.tcpChecksumValid(f, f.length), "segment " + k + " checksums");
            int l4 = ipv4 ? 34 : 54;
            assertEquals(TcpFrames.TCP_SEQ + (long) k * mss & 0xffffffffL, TcpFrames.u32(f, l4 + 4), "sequence of " + k);
            int flags = f[l4 + 13] & 0xff;
            boolean last = k == segments.size() - 1;
            assertEquals(last ? 0x19 : 0x10, flags & 0x19, "FIN and PSH only on the last segment, ACK on all");
            assertEquals(k == 0 ? 0x80 : 0, flags & 0x80, "CWR only on the first");
            if (ipv4) {
                assertEquals(0x1234 + k, TcpFrames.u16(f, 14 + 4), "IPv4 identification");
            }
            assertArrayEquals(Arrays.copyOfRange(sent, 0, 14), Arrays.copyOfRange(f, 0, 14));
            assertEquals(Math.min(mss, payload - k * mss), f.length - headers);
            joined.writeBytes(Arrays.copyOfRange(f, headers, f.length));
        }
        assertArrayEquals(Arrays.copyOfRange(sent, headers, sent.length), joined.toByteArray(), "the payload, in order");
    }

    @Test
    void aPartialChecksumIsCarriedOverOrCompleted() throws Exception {
        try (SwitchedGuests s = guests(OFFLOADS, OFFLOADS, PLAIN)) {
            byte[] sent = TcpFrames.ipv4(33, true);
            byte[] vnet = header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16);
            List<Received> got = exchange(s, 0, vnet, sent, 2);
            assertEquals(2, got.size());
            Received b = got.stream().filter(r -> r.guest() == 1).findFirst().orElseThrow();
            assertArrayEquals(sent, b.frame());
            assertEquals(VirtioNetHeader.F_NEEDS_CSUM, b.header()[0]);
            assertEquals(34, b.u16(VirtioNetHeader.CSUM_START));
            assertEquals(16, b.u16(VirtioNetHeader.CSUM_OFFSET));
            Received c = got.stream().filter(r -> r.guest() == 2).findFirst().orElseThrow();
            assertEquals(0, c.header()[0]);
            assertTrue(TcpFrames.tcpChecksumValid(c.frame(), c.frame().length), "completed by the switch");
            assertArrayEquals(TcpFrames.ipv4(33, false), c.frame(), "what the guest's stack would have sent itself");
        }
    }

    /** Port a's count of frames refused for {@code error}, as {@code ctl refusals} shows it, once it is not 0 (or after 5 s). */
    private static long awaitRefused(SwitchedGuests s, OffloadError error) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            long count = s.sw.refusals().stream().filter(r -> r.port().equals("a") && r.reason().equals(error.label()))
                    .mapToLong(PortRefusal::count).sum();
            if (count > 0 || System.nanoTime() > deadline) {
                return count;
            }
            Thread.sleep(2);
        }
    }

    @Test
    void aHostileHeaderCostsItsFrameOnlyAndIsCountedByReason() throws Exception {
        try (SwitchedGuests s = guests(OFFLOADS, OFFLOADS, PLAIN)) {
            byte[] sent = TcpFrames.ipv4(3000, true);
            assertEquals(0, exchange(s, 0, header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, 0, 34, 16), sent, 0).size());
            assertEquals(1, awaitRefused(s, OffloadError.BAD_GSO_SIZE));
            assertEquals(0, exchange(s, 0, header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 0xffff, 0xffff), sent, 0).size());
            assertEquals(1, awaitRefused(s, OffloadError.CSUM_OUT_OF_FRAME));
            assertEquals(0, exchange(s, 0, header(VirtioNetHeader.F_DATA_VALID, 0, 0, 0, 0, 0), sent, 0).size());
            assertEquals(1, awaitRefused(s, OffloadError.BAD_FLAGS));
            // The next good frame goes through to both.
            assertEquals(2, exchange(s, 0, header(0, 0, 0, 0, 0, 0), TcpFrames.ipv4(3000, false), 2).size());
            assertEquals(3, s.sw.port("a").deviceDrops(), "counted as the port's device drops");
            assertEquals(0, s.sw.pmdErrors());
        }
    }
}
