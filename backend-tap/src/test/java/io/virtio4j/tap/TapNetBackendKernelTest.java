package io.virtio4j.tap;

import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.GuestNic;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tap backend against the real kernel: a guest queue pair ({@link GuestNic}) on one side, a
 * TAP moved into a network namespace with an address on the other, python sockets as the peers.
 */
@NeedsKernel
class TapNetBackendKernelTest extends KernelTestSupport {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String NS_IP = "10.199.9.1";
    private static final String GUEST_IP = "10.199.9.2";
    private static final String GUEST_MAC = "52:54:00:12:34:56";
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The backend opened through discovery, its TAP in a namespace, the guest's rings handed over. */
    private static final class Rig implements AutoCloseable {
        final GuestNic guest;
        final TapNetBackend backend;
        final NetNs ns;
        final byte[] nsMac;
        int[] stoppedAt;

        Rig() {
            this("");
        }

        Rig(String options) {
            this(options, false);
        }

        /** {@code options}: more backend options, e.g. {@code ,vnet_hdr=false}; {@code mergeable}: MRG_RXBUF negotiated. */
        Rig(String options, boolean mergeable) {
            this(options, mergeable, false);
        }

        /** As above, the guest's rings packed when {@code packed} (issue 14). */
        Rig(String options, boolean mergeable, boolean packed) {
            guest = new GuestNic(packed);
            String name = "v4jb" + ProcessHandle.current().pid() % 100000 + "-" + COUNTER.incrementAndGet();
            backend = (TapNetBackend) NetBackends.open("tap:ifname=" + name + options);
            NetNs namespace = null;
            try {
                assertEquals(name, backend.interfaceName());
                namespace = NetNs.create();
                namespace.configure(name, NS_IP + "/24");
                namespace.neighbour(GUEST_IP, GUEST_MAC, name);
                namespace.exec("ip", "link", "set", "dev", name, "txqueuelen", "10000");
                nsMac = Frames.mac(namespace.mac(name));
                backend.start(mergeable ? guest.mergeablePlane() : guest.plane());
            } catch (RuntimeException e) {
                backend.close();
                if (namespace != null) {
                    namespace.close();
                }
                guest.close();
                throw e;
            }
            ns = namespace;
        }

        String ifname() {
            return backend.interfaceName();
        }

        boolean queueUdp(int port, int payload, long seq) {
            return guest.queueUdp(nsMac, Frames.mac(GUEST_MAC), Frames.ipv4(GUEST_IP), Frames.ipv4(NS_IP), port, payload, seq);
        }

        @Override
        public void close() {
            try {
                stoppedAt = backend.stop();
                backend.close();
            } finally {
                ns.close();
                guest.close();
            }
        }
    }

    @Test
    void aFrameTheGuestTransmitsReachesASocketInTheNamespaceEvenSplitAcrossRegions() {
        try (Rig rig = new Rig()) {
            Process receiver = rig.ns.startScript("udp_recv.py", NS_IP, 9200, 2, 200, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            // A hostile 5-byte chain first: dropped, counted, handed back; the next frames still go out.
            rig.guest.queueRawTransmit(GuestNic.TX_BUFFERS + 200 * GuestNic.BUFFER, 5);
            assertTrue(rig.queueUdp(9200, 200, 0));
            int splitLength = rig.guest.writeUdp(GuestNic.SPLIT_TX_BUFFER, rig.nsMac, Frames.mac(GUEST_MAC),
                    Frames.ipv4(GUEST_IP), Frames.ipv4(NS_IP), 9200, 200, 1);
            rig.guest.queueRawTransmit(GuestNic.SPLIT_TX_BUFFER, splitLength);
            rig.guest.flushTransmit();

            String result = NetNs.await(receiver, 15);
            assertEquals(2, NetNs.field(result, "valid"), result);
            assertEquals(0, NetNs.field(result, "invalid"), result);
            int reclaimed = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (reclaimed < 3 && System.nanoTime() < deadline) {
                int n = rig.guest.reclaimTransmitted();
                for (int i = 0; i < n; i++) {
                    assertEquals(0, rig.guest.usedLength(i), "a transmit buffer comes back with used length 0");
                }
                reclaimed += n;
            }
            assertEquals(3, reclaimed, "all three chains returned, the bad one too");
            TapDataPathStats stats = rig.backend.stats(0);
            assertEquals(2, stats.txFrames());
            assertEquals(1, stats.txBadChains());
            assertEquals(2L * (L4 + UDP + 200), stats.txBytes());
            assertTrue(rig.guest.brokenQueues.isEmpty());
        }
    }

    @Test
    void datagramsSentToTheGuestArriveInItsReceiveBuffersWithACompleteHeader() {
        int count = 10;
        int payload = 300;
        try (Rig rig = new Rig()) {
            // One buffer too small for a full-size frame: returned unused and counted, never truncated into.
            rig.guest.postReceiveBuffers(1, 600);
            rig.guest.postReceiveBuffers(0, 0);
            BitSet seen = new BitSet(count);
            int[] bad = new int[1];
            int[] tooSmall = new int[1];
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (tooSmall[0] == 0 && System.nanoTime() < deadline) {
                rig.guest.receive((address, length) -> tooSmall[0] += length == 0 ? 1 : 0);
            }
            assertEquals(1, tooSmall[0], "the 600-byte buffer came back with length 0");
            rig.guest.postReceiveBuffers(64, GuestNic.BUFFER);

            String sent = NetNs.await(rig.ns.startScript("udp_send.py", GUEST_IP, 9300, count, payload), 15);
            assertEquals(count, NetNs.field(sent, "sent"));
            deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.cardinality() < count && System.nanoTime() < deadline) {
                int n = rig.guest.receive((address, length) -> {
                    MemorySegment f = rig.guest.read(address, length);
                    MemorySegment frame = f.asSlice(GuestNic.HEADER);
                    if (!Frames.isUdpTo(frame, length - GuestNic.HEADER, 9300)) {
                        return;
                    }
                    long seq = Frames.sequence(frame, L4 + UDP);
                    boolean ok = length == GuestNic.HEADER + L4 + UDP + payload && seq >= 0 && seq < count
                            && Frames.payloadMatches(frame, L4 + UDP, payload, seq)
                            && f.get(LE16, 10) == 1 // num_buffers: one chain per frame
                            && f.get(ValueLayout.JAVA_BYTE, 0) == 0 && f.get(ValueLayout.JAVA_BYTE, 1) == 0; // no csum/gso
                    if (ok) {
                        seen.set((int) seq);
                    } else {
                        bad[0]++;
                    }
                });
                if (n == 0) {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(count, seen.cardinality(), "datagrams received");
            assertEquals(0, bad[0], "malformed datagrams");
            TapDataPathStats stats = rig.backend.stats(0);
            assertEquals(1, stats.rxBadChains());
            assertTrue(stats.rxFrames() >= count);
        }
    }

    /** Split rings, and (issue 14) packed ones: the TAP worker sees one queue type. */
    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void twentyThousandFramesEachWayEverySequenceNumberAccountedFor(boolean packed) {
        int count = 20_000;
        int payload = 1000;
        try (Rig rig = new Rig("", false, packed)) {
            // Guest -> namespace.
            Process receiver = rig.ns.startScript("udp_recv.py", NS_IP, 9400, count, payload, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            long start = System.nanoTime();
            long queued = 0;
            while (queued < count) {
                while (queued < count && rig.queueUdp(9400, payload, queued)) {
                    queued++;
                }
                rig.guest.flushTransmit();
                if (rig.guest.reclaimTransmitted() == 0) {
                    LockSupport.parkNanos(50_000);
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (rig.backend.stats(0).txFrames() + rig.backend.stats(0).txTapFull() < count && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            double txSeconds = (System.nanoTime() - start) / 1e9;
            String result = NetNs.await(receiver, 30);
            TapDataPathStats stats = rig.backend.stats(0);
            long valid = NetNs.field(result, "valid");
            long rcvbufErrors = NetNs.field(result, "rcvbuf_errors");
            System.out.printf("guest->TAP: %d frames in %.2f s (%.0f frames/s); socket got %d valid, rcvbuf drops %d, TAP full %d%n",
                    stats.txFrames(), txSeconds, stats.txFrames() / txSeconds, valid, rcvbufErrors, stats.txTapFull());
            assertEquals(0, NetNs.field(result, "invalid"), result);
            assertEquals(0, NetNs.field(result, "duplicates"), result);
            assertEquals(0, stats.txBadChains());
            assertEquals(count, stats.txFrames() + stats.txTapFull(), "every chain written or counted as dropped");
            // What the kernel accepted and the socket did not get is the socket's buffer overflow.
            assertEquals(stats.txFrames(), valid + rcvbufErrors, "missing datagrams are exactly the socket's drops: " + result);

            // Namespace -> guest (per-frame allocation is asserted by TapDeviceKernelTest's bulk test).
            rig.guest.postReceiveBuffers(GuestNic.RING, GuestNic.BUFFER);
            BitSet seen = new BitSet(count);
            int[] bad = new int[1];
            start = System.nanoTime();
            // The guest here checks every byte in Java: compile that check first, or the interpreted
            // guest (not the backend) is the bottleneck and the TAP queue overflows while it warms up.
            Frames.compilePayloadCheck(payload);
            Process sender = rig.ns.startScript("udp_send.py", GUEST_IP, 9500, count, payload);
            long idleSince = System.nanoTime();
            long timeoutsBefore = rig.backend.stats(0).idleTimeouts();
            while (seen.cardinality() < count) {
                int n = rig.guest.receive((address, length) -> {
                    MemorySegment frame = rig.guest.read(address, length).asSlice(GuestNic.HEADER);
                    if (!Frames.isUdpTo(frame, length - GuestNic.HEADER, 9500)) {
                        return;
                    }
                    long seq = Frames.sequence(frame, L4 + UDP);
                    if (length == GuestNic.HEADER + L4 + UDP + payload && seq >= 0 && seq < count
                            && !seen.get((int) seq) && Frames.payloadMatches(frame, L4 + UDP, payload, seq)) {
                        seen.set((int) seq);
                    } else {
                        bad[0]++;
                    }
                });
                if (n > 0) {
                    idleSince = System.nanoTime();
                } else if (!sender.isAlive() && System.nanoTime() - idleSince > 1_000_000_000L) {
                    break;
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
            double rxSeconds = (System.nanoTime() - start) / 1e9;
            assertEquals(count, NetNs.field(NetNs.await(sender, 30), "sent"));
            long tapDrops = rig.ns.statistic(rig.ifname(), "tx_dropped");
            System.out.printf("TAP->guest: %d of %d frames in %.2f s (%.0f frames/s); TAP tx_dropped %d; worker idle timeouts %d%n",
                    seen.cardinality(), count, rxSeconds, seen.cardinality() / rxSeconds, tapDrops,
                    rig.backend.stats(0).idleTimeouts() - timeoutsBefore);
            assertEquals(0, bad[0], "corrupted or duplicated frames");
            // UDP has no flow control: what the guest did not get, the TAP's queue dropped (and counted).
            assertEquals(count, seen.cardinality() + tapDrops, "every frame received or counted as a TAP drop");
            // On 2 shared cores the python sender can outrun guest + worker (idle machine: 0 drops;
            // loaded: ~45% dropped, with no idle timeout beyond the final second's, so no lost
            // wake-up). The bound still catches a stalled data path: the TAP queue holds 10,000.
            assertTrue(seen.cardinality() > 10_000, "more delivered than the TAP queue can hold: " + seen.cardinality());
        }
    }

    @Test
    void withMergeableBuffersAChainShorterThanTheHeaderIsRefusedAndFramesSpanTwoChains() {
        int count = 3;
        int payload = 1400;
        try (Rig rig = new Rig("", true)) {
            rig.guest.postReceiveBuffers(1, 4); // cannot even hold the header (spec 5.1.6.3.1)
            rig.guest.postReceiveBuffers(100, 1000); // 100 KB held: more than 64 KiB + header
            NetNs.await(rig.ns.startScript("udp_send.py", GUEST_IP, 9960, count, payload), 15);
            int frameBytes = GuestNic.HEADER + L4 + UDP + payload;
            List<Integer> lengths = new ArrayList<>();
            List<Integer> announced = new ArrayList<>();
            BitSet seen = new BitSet(count);
            MemorySegment frame = MemorySegment.ofArray(new byte[frameBytes]);
            long[] filled = {0};
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.cardinality() < count && System.nanoTime() < deadline) {
                rig.guest.receive((address, length) -> {
                    lengths.add(length);
                    if (length == 0) {
                        return;
                    }
                    MemorySegment b = rig.guest.read(address, length);
                    if (filled[0] == 0) {
                        announced.add((int) b.get(LE16, 10));
                    }
                    if (filled[0] + length <= frameBytes) {
                        MemorySegment.copy(b, 0, frame, filled[0], length);
                    }
                    filled[0] += length;
                    if (filled[0] >= frameBytes) {
                        MemorySegment f = frame.asSlice(GuestNic.HEADER);
                        if (filled[0] == frameBytes && Frames.isUdpTo(f, L4 + UDP + payload, 9960)
                                && Frames.payloadMatches(f, L4 + UDP, payload, Frames.sequence(f, L4 + UDP))) {
                            seen.set((int) Frames.sequence(f, L4 + UDP));
                        }
                        filled[0] = 0;
                    }
                });
                LockSupport.parkNanos(100_000);
            }
            assertEquals(count, seen.cardinality(), "every datagram reassembled from its buffers: " + lengths);
            assertEquals(0, lengths.get(0), "the 4-byte chain came back unused");
            assertEquals(List.of(2, 2, 2), announced, "num_buffers = 2 in each frame's first buffer");
            assertEquals(List.of(0, 1000, frameBytes - 1000, 1000, frameBytes - 1000, 1000, frameBytes - 1000), lengths);
            TapDataPathStats stats = rig.backend.stats(0);
            assertEquals(1, stats.rxBadChains());
            assertEquals(count, stats.rxFrames());
            assertEquals(2L * count, stats.rxBuffers());
        }
    }

    @Test
    void withoutTheVnetHeaderTheBackendStripsAndSuppliesTheGuestHeaderItself() {
        int payload = 120;
        try (Rig rig = new Rig(",vnet_hdr=false")) {
            assertEquals(0, rig.backend.supportedFeatures() & VirtioFeature.NET_CSUM.mask(), "no offloads without a header");
            Process receiver = rig.ns.startScript("udp_recv.py", NS_IP, 9700, 3, payload, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            for (int i = 0; i < 3; i++) {
                assertTrue(rig.queueUdp(9700, payload, i));
            }
            rig.guest.flushTransmit();
            String result = NetNs.await(receiver, 15);
            assertEquals(3, NetNs.field(result, "valid"), "the TAP got bare frames the stack accepted: " + result);

            rig.guest.postReceiveBuffers(16, GuestNic.BUFFER);
            NetNs.await(rig.ns.startScript("udp_send.py", GUEST_IP, 9701, 3, payload), 15);
            BitSet seen = new BitSet(3);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.cardinality() < 3 && System.nanoTime() < deadline) {
                rig.guest.receive((address, length) -> {
                    MemorySegment f = rig.guest.read(address, length);
                    MemorySegment frame = f.asSlice(GuestNic.HEADER);
                    if (Frames.isUdpTo(frame, length - GuestNic.HEADER, 9701)) {
                        long seq = Frames.sequence(frame, L4 + UDP);
                        // The header is ours: all zero but num_buffers = 1.
                        assertEquals(0L, f.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                        assertEquals(0, f.get(LE16, 8));
                        assertEquals(1, f.get(LE16, 10));
                        assertEquals(GuestNic.HEADER + L4 + UDP + payload, length);
                        assertTrue(Frames.payloadMatches(frame, L4 + UDP, payload, seq));
                        seen.set((int) seq);
                    }
                });
                LockSupport.parkNanos(100_000);
            }
            assertEquals(3, seen.cardinality());
        }
    }

    @Test
    void aDriverThatRunsTheAvailIndexAwayBreaksOnlyThatQueueAndIsReportedOnce() {
        try (Rig rig = new Rig()) {
            // avail idx 1000 ahead of a 256-entry ring: no honest driver can do that (spec 2.7.13).
            rig.guest.memory.slice(rig.guest.txLayout.availAddr() + 2, 2).set(LE16, 0, (short) 1000);
            rig.guest.txKick.signal();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (rig.guest.brokenQueues.isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            assertEquals(java.util.List.of(1), rig.guest.brokenQueues, "tx0 reported broken");
            // The receive side of the pair still works.
            rig.guest.postReceiveBuffers(8, GuestNic.BUFFER);
            NetNs.await(rig.ns.startScript("udp_send.py", GUEST_IP, 9900, 1, 64), 15);
            int[] got = new int[1];
            deadline = System.nanoTime() + 5_000_000_000L;
            while (got[0] == 0 && System.nanoTime() < deadline) {
                rig.guest.receive((address, length) -> {
                    if (Frames.isUdpTo(rig.guest.read(address, length).asSlice(GuestNic.HEADER), length - GuestNic.HEADER, 9900)) {
                        got[0]++;
                    }
                });
                LockSupport.parkNanos(100_000);
            }
            assertEquals(1, got[0], "rx0 still delivers");
            rig.guest.txKick.signal();
            LockSupport.parkNanos(50_000_000);
            assertEquals(java.util.List.of(1), rig.guest.brokenQueues, "reported once, not per kick");
        }
    }

    @Test
    void aMultiQueueTapServedWithFewerPairsDetachesTheRestSoNoFlowIsLost() {
        int count = 200;
        try (Rig rig = new Rig(",queues=2")) {
            assertEquals(2, rig.backend.maxQueuePairs());
            rig.guest.postReceiveBuffers(GuestNic.RING, GuestNic.BUFFER);
            // 32 flows: with both TAP queues attached the kernel would hash about half to queue 1.
            NetNs.await(rig.ns.startScript("udp_send.py", GUEST_IP, 9950, count, 100, 32), 15);
            BitSet seen = new BitSet(count);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.cardinality() < count && System.nanoTime() < deadline) {
                rig.guest.receive((address, length) -> {
                    MemorySegment frame = rig.guest.read(address, length).asSlice(GuestNic.HEADER);
                    if (Frames.isUdpTo(frame, length - GuestNic.HEADER, 9950)) {
                        seen.set((int) Frames.sequence(frame, L4 + UDP));
                    }
                });
                LockSupport.parkNanos(100_000);
            }
            assertEquals(count, seen.cardinality(), "every flow reached the one served queue");
            assertEquals(0, rig.backend.queueStats(1).framesRead(), "nothing was read from the detached queue");
        }
    }

    /** A packed ring's position is its slot with the wrap counter (1 in the first lap) in bit 15. */
    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void stopReportsWhereEachQueueStoppedAndARestartResumesThere(boolean packed) {
        int firstLap = packed ? 0x8000 : 0;
        try (Rig rig = new Rig("", false, packed)) {
            rig.guest.postReceiveBuffers(8, GuestNic.BUFFER);
            for (int i = 0; i < 5; i++) {
                assertTrue(rig.queueUdp(9600, 64, i));
            }
            rig.guest.flushTransmit();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (rig.backend.stats(0).txFrames() < 5 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            int[] stopped = rig.backend.stop();
            assertEquals(5 | firstLap, stopped[1], "all 5 transmit chains popped");
            // Receive chains popped but not filled are given back: rx stops at the frames delivered.
            int delivered = rig.guest.receive((address, length) -> { });
            assertEquals(delivered | firstLap, stopped[0]);
            assertEquals(5, rig.guest.reclaimTransmitted());

            rig.backend.start(rig.guest.plane(stopped[0], stopped[0], stopped[1], stopped[1]));
            Process receiver = rig.ns.startScript("udp_recv.py", NS_IP, 9600, 1, 64, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            assertTrue(rig.queueUdp(9600, 64, 0));
            rig.guest.flushTransmit();
            assertEquals(1, NetNs.field(NetNs.await(receiver, 15), "valid"));
            assertEquals(1, rig.backend.stats(0).txFrames(), "the restart sent only the new chain");
        }
    }
}
