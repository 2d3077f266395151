package io.virtio4j.ovs.vxlan;

import java.time.Duration;
import io.virtio4j.testing.OpenFds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.TxBatch;
import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.ovs.offload.OffloadCheck;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.testing.UdpPeer;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.net.VhostUserNetPort;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A VXLAN port on loopback against two remote VTEPs played by plain JDK sockets (127.x.y.2 and
 * .3; the port is 127.x.y.1, x.y from the process id so concurrent runs do not collide): every
 * refusal of the underlay counted by reason, decapsulation into tagged frames, encapsulation,
 * head-end replication, learning which VTEP a MAC is behind, the MTU limit, run-time VTEPs.
 */
class VxlanPortTest {
    private static final long GUEST = 0x02_00_00_00_0a_01L;
    private static final long REMOTE = 0x02_00_00_00_0b_01L;

    private final String net = "127." + (ProcessHandle.current().pid() % 200 + 20) + "." + (int) (Math.random() * 250) + ".";
    private final String local = net + "1";
    private final String vtepA = net + "2";
    private final String vtepB = net + "3";
    private final int udpPort = 4789;
    private VxlanPort port;
    private UdpPeer a;
    private UdpPeer b;
    private OpenFds.Snapshot fdsBefore;

    @BeforeEach
    void open() throws Exception {
        a = new UdpPeer(vtepA, udpPort);
        b = new UdpPeer(vtepB, udpPort);
        fdsBefore = OpenFds.snapshot();
        VxlanSpec v = new VxlanSpec(Ipv4.parse(local), udpPort, Map.of(10, 5010, 20, 5020),
                List.of(Ipv4.parse(vtepA), Ipv4.parse(vtepB)), 1500);
        port = VxlanPort.open(PortSpec.vxlan("vx", v, -1), Platform.linux());
    }

    @AfterEach
    void close() throws Exception {
        port.close();
        fdsBefore.assertNoneOpenedSince("the port's 9 sockets closed", Duration.ofSeconds(5));
        a.close();
        b.close();
    }

    private static byte[] vxlan(int flags, int vni, byte[] inner) {
        byte[] p = new byte[8 + inner.length];
        p[0] = (byte) flags;
        p[4] = (byte) (vni >>> 16);
        p[5] = (byte) (vni >>> 8);
        p[6] = (byte) vni;
        System.arraycopy(inner, 0, p, 8, inner.length);
        return p;
    }

    private static byte[] payload(int n, int seed) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (seed + i);
        }
        return p;
    }

    /**
     * Polls the port until {@code expected} frames came (or 2 s passed); with 0 expected, polls for
     * 100 ms to see that nothing comes. Returns the frames as bytes.
     */
    private List<byte[]> receive(int expected) throws InterruptedException {
        List<byte[]> out = new java.util.ArrayList<>();
        FrameBatch batch = new FrameBatch();
        long deadline = System.nanoTime() + (expected == 0 ? 100_000_000L : 2_000_000_000L);
        while ((expected == 0 || out.size() < expected) && System.nanoTime() < deadline) {
            batch.clear();
            int n = port.receive(batch);
            for (int i = 0; i < n; i++) {
                byte[] f = new byte[(int) batch.frame(i).length()];
                batch.frame(i).read(0, MemorySegment.ofArray(f), 0, f.length);
                out.add(f);
            }
            port.release();
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        return out;
    }

    private void transmit(byte[]... frames) {
        try (Arena arena = Arena.ofConfined()) {
            TxBatch tx = new TxBatch();
            for (byte[] f : frames) {
                MemorySegment s = arena.allocate(f.length);
                MemorySegment.copy(f, 0, s, ValueLayout.JAVA_BYTE, 0, f.length);
                tx.add(new HostFrame().set(s, 0, f.length), MemorySegment.NULL, 0, 0, 0);
            }
            port.transmit(tx);
        }
    }

    @Test
    void aDatagramFromAVtepArrivesAsATaggedFrameOfItsVlan() throws Exception {
        byte[] inner = Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(200, 7));
        a.send(vxlan(0x08, 5020, inner), local, udpPort);
        List<byte[]> got = receive(1);
        assertEquals(1, got.size());
        assertArrayEquals(Frames.ethernet(GUEST, REMOTE, 20, 0x0800, payload(200, 7)), got.get(0),
                "the inner frame, tagged with VNI 5020's VLAN 20, bytes intact");
        Vtep from = port.vteps().find(Ipv4.parse(vtepA));
        assertEquals(1, from.rxFrames());
        assertEquals(inner.length, from.rxBytes());
        assertEquals(List.of(20), port.remoteMacs().stream().map(e -> e.vlan()).toList());
        assertEquals(from.slot(), port.remoteMacs().get(0).port(), "the MAC is remembered behind VTEP A");
    }

    @Test
    void everyBadDatagramIsDroppedAndCountedByReason() throws Exception {
        byte[] good = Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(60, 1));
        a.send(new byte[5], local, udpPort);
        a.send(vxlan(0x08, 5010, Arrays.copyOf(good, 10)), local, udpPort);
        a.send(vxlan(0x00, 5010, good), local, udpPort);
        a.send(vxlan(0x0c, 5010, good), local, udpPort);
        a.send(vxlan(0x08, 0, good), local, udpPort);
        a.send(vxlan(0x08, 7777, good), local, udpPort);
        a.send(vxlan(0x08, 5010, Frames.ethernet(GUEST, REMOTE, 30, 0x0800, payload(60, 1))), local, udpPort);
        a.send(vxlan(0x08, 5010, Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(9300, 1))), local, udpPort);
        try (UdpPeer spoofed = new UdpPeer(net + "9", 0)) {
            for (int i = 0; i < 50; i++) {
                spoofed.send(vxlan(0x08, 5010, good), local, udpPort);
            }
        }
        a.send(vxlan(0x08, 5010, good), local, udpPort);
        List<byte[]> got = receive(1);
        Thread.sleep(50);
        got.addAll(receive(0));
        assertEquals(1, got.size(), "only the good datagram became a frame");
        assertArrayEquals(Frames.ethernet(GUEST, REMOTE, 10, 0x0800, payload(60, 1)), got.get(0));
        VxlanDrops d = port.drops();
        assertEquals(2, d.count(VxlanDrop.TRUNCATED));
        assertEquals(2, d.count(VxlanDrop.BAD_FLAGS));
        assertEquals(1, d.count(VxlanDrop.VNI_ZERO));
        assertEquals(1, d.count(VxlanDrop.UNKNOWN_VNI));
        assertEquals(1, d.count(VxlanDrop.INNER_TAGGED));
        assertEquals(1, d.count(VxlanDrop.OVERSIZE));
        assertEquals(50, d.count(VxlanDrop.UNKNOWN_VTEP));
        assertEquals(58, port.deviceDrops());
        assertEquals(1, port.remoteMacs().size(), "nothing learned from refused datagrams");
    }

    @Test
    void floodsReachEveryVtepAndALearnedMacOnlyItsOwn() throws Exception {
        byte[] broadcast = Frames.ethernet(-1L & 0xffff_ffff_ffffL, GUEST, 10, 0x0806, payload(28, 3));
        transmit(broadcast);
        List<UdpPeer.Datagram> atA = a.receive(1, 2000);
        List<UdpPeer.Datagram> atB = b.receive(1, 2000);
        assertEquals(1, atA.size());
        assertEquals(1, atB.size());
        byte[] expected = vxlan(0x08, 5010, Frames.ethernet(-1L & 0xffff_ffff_ffffL, GUEST, 0, 0x0806, payload(28, 3)));
        assertArrayEquals(expected, atA.get(0).bytes(), "flags 0x08, VNI 5010, the frame without its tag");
        assertArrayEquals(expected, atB.get(0).bytes());
        assertNotEquals(udpPort, atA.get(0).from().getPort(), "sent from a source port picked by the flow, not the VXLAN port");
        assertEquals(atA.get(0).from().getPort(), atB.get(0).from().getPort(), "one flow, one source port");

        // VTEP A announces REMOTE; a unicast to REMOTE now goes to A alone, one to anyone else to both.
        a.send(vxlan(0x08, 5010, Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(60, 1))), local, udpPort);
        assertEquals(1, receive(1).size());
        transmit(Frames.ethernet(REMOTE, GUEST, 10, 0x0800, payload(100, 5)),
                Frames.ethernet(0x02_00_00_00_0c_01L, GUEST, 10, 0x0800, payload(100, 6)));
        List<UdpPeer.Datagram> unicastAtA = a.receive(2, 2000);
        List<UdpPeer.Datagram> unicastAtB = b.receive(2, 300);
        assertEquals(2, unicastAtA.size());
        assertEquals(1, unicastAtB.size(), "B got only the unknown unicast");
        assertEquals(0x0c, unicastAtB.get(0).bytes()[8 + 4] & 0xff);
        Vtep va = port.vteps().find(Ipv4.parse(vtepA));
        assertEquals(3, va.txFrames());
        assertEquals(port.vteps().find(Ipv4.parse(vtepB)).txFrames(), 2);
    }

    /** A guest's frame as the switch hands it on after OffloadCheck accepted its virtio-net header. */
    private record OffloadedFrame(HostFrame frame, FrameOffload offload) implements Frame {
        @Override
        public long length() {
            return frame.length();
        }

        @Override
        public void read(long offset, MemorySegment dst, long dstOffset, long length) {
            frame.read(offset, dst, dstOffset, length);
        }

        @Override
        public boolean deliverTo(VhostUserNetPort to, int pair, MemorySegment head, long headLength, long offset) {
            return frame.deliverTo(to, pair, head, headLength, offset);
        }

        @Override
        public int mapIovecs(IovecArray iovecs, int first, long offset) {
            return frame.mapIovecs(iovecs, first, offset);
        }
    }

    /** Sends {@code guestFrame} (untagged, as its guest sent it, with {@code header}) out tagged with VLAN 10. */
    private void transmitOffloaded(byte[] guestFrame, VirtioNetHeader header, Arena arena) {
        transmitOffloaded(null, guestFrame, header, arena);
    }

    /** As {@link #transmitOffloaded(byte[], VirtioNetHeader, Arena)}, after {@code before} (a complete tagged frame) in the same burst. */
    private void transmitOffloaded(byte[] before, byte[] guestFrame, VirtioNetHeader header, Arena arena) {
        // VIRTIO_NET_F_CSUM (bit 0) and HOST_TSO4 (bit 11), as a guest with offloads negotiates.
        long features = 1L | 1L << 11;
        FrameOffload offload = new FrameOffload();
        MemorySegment frame = arena.allocate(guestFrame.length);
        MemorySegment.copy(guestFrame, 0, frame, ValueLayout.JAVA_BYTE, 0, guestFrame.length);
        assertNull(OffloadCheck.check(header, features, frame, Math.min(128, guestFrame.length), guestFrame.length, offload));
        // The egress rewrite: a head with the tag pushed, then the guest's bytes from its EtherType on.
        MemorySegment head = arena.allocate(16);
        MemorySegment.copy(TcpFrames.tagged(guestFrame, 10), 0, head, ValueLayout.JAVA_BYTE, 0, 16);
        TxBatch tx = new TxBatch();
        if (before != null) {
            MemorySegment plain = arena.allocate(before.length);
            MemorySegment.copy(before, 0, plain, ValueLayout.JAVA_BYTE, 0, before.length);
            tx.add(new HostFrame().set(plain, 0, before.length), MemorySegment.NULL, 0, 0, 0);
        }
        tx.add(new OffloadedFrame(new HostFrame().set(frame, 0, guestFrame.length), offload), head, 16, 12, 0);
        port.transmit(tx);
    }

    @Test
    void aGuestsOffloadedFramesLeaveTheTunnelCompleteChecksummedAndSegmented() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            VirtioNetHeader header = new VirtioNetHeader().wrap(arena.allocate(VirtioNetHeader.SIZE), 0);
            byte[] partial = TcpFrames.ipv4(200, true);
            assertFalse(TcpFrames.tcpChecksumValid(partial, partial.length), "the guest left the checksum to finish");
            transmitOffloaded(partial, header.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16), arena);
            List<UdpPeer.Datagram> got = a.receive(1, 1000);
            assertEquals(1, got.size());
            byte[] inner = Arrays.copyOfRange(got.get(0).bytes(), 8, got.get(0).bytes().length);
            assertEquals(partial.length, inner.length);
            assertTrue(TcpFrames.tcpChecksumValid(inner, inner.length), "the tunnel finished the TCP checksum");

            // 4000 bytes of payload at an MSS of 1398 (a guest MTU of 1450, as the docs advise: each
            // segment's 1464-byte frame just fits the 1500-byte underlay): three complete TCP segments.
            byte[] superFrame = TcpFrames.ipv4(4000, true);
            byte[] first = TcpFrames.tagged(TcpFrames.ipv4(100, false), 10);
            transmitOffloaded(first, superFrame, header.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4)
                    .hdrLen(TcpFrames.V4_HEADERS).gsoSize(1398).csumStart(34).csumOffset(16), arena);
            List<UdpPeer.Datagram> burst = a.receive(4, 1000);
            assertEquals(4, burst.size(), "the frame before it, then one datagram per segment");
            assertEquals(8 + first.length - 4, burst.get(0).bytes().length,
                    "the burst's earlier frame leaves before the segments: a flow keeps its order");
            List<UdpPeer.Datagram> segments = burst.subList(1, 4);
            long expectedSequence = TcpFrames.TCP_SEQ & 0xffffffffL;
            int payloadSeen = 0;
            for (UdpPeer.Datagram d : segments) {
                byte[] segment = Arrays.copyOfRange(d.bytes(), 8, d.bytes().length);
                assertTrue(TcpFrames.tcpChecksumValid(segment, segment.length), "segment checksums are complete");
                assertEquals(expectedSequence, TcpFrames.u32(segment, 14 + 20 + 4), "segments in sequence");
                int payload = segment.length - TcpFrames.V4_HEADERS;
                expectedSequence += payload;
                payloadSeen += payload;
            }
            assertEquals(4000, payloadSeen);
            assertEquals(0, port.drops().count(VxlanDrop.TOO_BIG));
            assertEquals(5, b.receive(6, 1000).size(),
                    "the unknown destination is flooded to every VTEP: the finished frame, the plain one, each segment");
        }
    }

    @Test
    void aFrameTooBigForTheUnderlayIsDroppedNeverTruncated() throws Exception {
        // 1500-byte underlay: 1464 bytes of inner frame fit (1450 of IP), one more does not.
        byte[] fits = Frames.ethernet(REMOTE, GUEST, 10, 0x0800, payload(1450, 2));
        byte[] tooBig = Frames.ethernet(REMOTE, GUEST, 10, 0x0800, payload(1451, 2));
        transmit(tooBig, fits);
        List<UdpPeer.Datagram> got = a.receive(2, 500);
        assertEquals(1, got.size());
        assertEquals(8 + 1464, got.get(0).bytes().length);
        assertEquals(1, port.drops().count(VxlanDrop.TOO_BIG));
    }

    @Test
    void vtepsChangeAtRunTimeAndARemovedOneIsNoLongerHeardNorForgotten() throws Exception {
        a.send(vxlan(0x08, 5010, Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(60, 1))), local, udpPort);
        assertEquals(1, receive(1).size());
        port.setVteps(List.of(Ipv4.parse(vtepB)));
        assertTrue(port.remoteMacs().isEmpty(), "MACs behind the removed VTEP are forgotten");
        a.send(vxlan(0x08, 5010, Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(60, 1))), local, udpPort);
        Thread.sleep(50);
        assertEquals(0, receive(0).size());
        assertEquals(1, port.drops().count(VxlanDrop.UNKNOWN_VTEP));
        transmit(Frames.ethernet(REMOTE, GUEST, 10, 0x0800, payload(100, 5)));
        assertEquals(1, b.receive(1, 2000).size());
        assertEquals(0, a.receive(1, 200).size());
        port.setVteps(List.of());
        transmit(Frames.ethernet(REMOTE, GUEST, 10, 0x0800, payload(100, 5)));
        assertEquals(1, port.drops().count(VxlanDrop.NO_VTEP));
    }

    @Test
    void aVtepLimitedToSomeVnisGetsOnlyTheirFloodsAndIsHeardOnlyOnThem() throws Exception {
        // B carries VNI 5020 only; A every VNI.
        VxlanSpec limited = port.vxlan().withRemotes(List.of(Ipv4.parse(vtepA), Ipv4.parse(vtepB)),
                Map.of(Ipv4.parse(vtepB), java.util.Set.of(5020)));
        port.setVteps(limited);
        assertEquals(java.util.Set.of(5020), port.vteps().limit(port.vteps().find(Ipv4.parse(vtepB))));
        assertNull(port.vteps().limit(port.vteps().find(Ipv4.parse(vtepA))), "A carries all");

        transmit(Frames.ethernet(-1L & 0xffff_ffff_ffffL, GUEST, 10, 0x0806, payload(28, 3)));
        assertEquals(1, a.receive(1, 2000).size(), "VLAN 10's flood reaches A");
        assertEquals(0, b.receive(1, 200).size(), "but not B, which does not carry VNI 5010");
        transmit(Frames.ethernet(-1L & 0xffff_ffff_ffffL, GUEST, 20, 0x0806, payload(28, 4)));
        List<UdpPeer.Datagram> atB = b.receive(1, 2000);
        assertEquals(1, atB.size(), "VLAN 20's flood reaches B");
        assertEquals(5020, ((atB.get(0).bytes()[4] & 0xff) << 16) | ((atB.get(0).bytes()[5] & 0xff) << 8) | (atB.get(0).bytes()[6] & 0xff));
        assertEquals(1, a.receive(1, 2000).size(), "and A");

        // B sends on VNI 5010, which it does not carry: refused, counted, nothing learned.
        b.send(vxlan(0x08, 5010, Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(60, 1))), local, udpPort);
        b.send(vxlan(0x08, 5020, Frames.ethernet(GUEST, REMOTE, 0, 0x0800, payload(60, 2))), local, udpPort);
        List<byte[]> got = receive(1);
        Thread.sleep(50);
        got.addAll(receive(0));
        assertEquals(1, got.size(), "only B's VNI 5020 datagram became a frame");
        assertArrayEquals(Frames.ethernet(GUEST, REMOTE, 20, 0x0800, payload(60, 2)), got.get(0));
        assertEquals(1, port.drops().count(VxlanDrop.VNI_NOT_CARRIED));
        assertEquals(List.of(20), port.remoteMacs().stream().map(e -> e.vlan()).toList());

        // With no VTEP of the VNI, a flood is dropped and counted, never sent.
        port.setVteps(port.vxlan().withRemotes(List.of(Ipv4.parse(vtepB)), Map.of(Ipv4.parse(vtepB), java.util.Set.of(5020))));
        assertTrue(port.remoteMacs().stream().allMatch(e -> e.vlan() == 20), "B's MACs of its VNI stay");
        transmit(Frames.ethernet(-1L & 0xffff_ffff_ffffL, GUEST, 10, 0x0806, payload(28, 5)));
        assertEquals(0, b.receive(1, 200).size());
        assertEquals(1, port.drops().count(VxlanDrop.NO_VTEP));
    }
}
