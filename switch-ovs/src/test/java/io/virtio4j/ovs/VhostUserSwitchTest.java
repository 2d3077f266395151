package io.virtio4j.ovs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.vhostuser.transport.UnixListener;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;
import io.virtio4j.testing.OpenFds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In-process guests over real vhost-user sockets, switched by the data path with test pipelines. */
class VhostUserSwitchTest {
    @TempDir
    Path dir;

    static List<byte[]> frames(int count, int seedBase) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // 60..1514 bytes: minimum Ethernet frame to a full one, every length class.
            frames.add(GuestNic.frame(60 + (i * 97) % 1455, seedBase + i));
        }
        return frames;
    }

    /**
     * Both guests with split rings, and (issue 14) a guest with packed rings facing one with split
     * rings, or two packed ones: each copy then goes from one kind of ring into the other through
     * the one queue type the switch sees, and the packed rings run many laps of their wrap counters.
     */
    @ParameterizedTest(name = "a packed={0}, b packed={1}")
    @CsvSource({"false, false", "true, false", "true, true"})
    void framesBetweenTwoGuestsOnOneVlanArriveByteExactInOrderBothWays(boolean aPacked, boolean bPacked) throws Exception {
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b"}, new int[] {10, 10}, 1,
                TestPipelines::floodEverywhere, new boolean[] {aPacked, bPacked})) {
            for (int from = 0; from < 2; from++) {
                int to = 1 - from;
                List<byte[]> sent = frames(3000, from * 10_000);
                List<byte[]> got = new ArrayList<>();
                SwitchedGuests.pump(s.guests, from, sent, 1, (guest, frame) -> {
                    assertEquals(to, guest, "only the other guest receives");
                    got.add(frame);
                }, Duration.ofSeconds(20));
                for (int i = 0; i < sent.size(); i++) {
                    assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
                }
            }
            long bytes = frames(3000, 0).stream().mapToLong(f -> f.length).sum();
            // A burst is counted sent after its frames are published: the guest can hold the last
            // one before the PMD has added it, so the count may lag the arrival by a moment.
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (s.sw.port("a").stats().txFrames() < 3000 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            PortInfo a = s.sw.port("a");
            assertEquals(3000, a.stats().rxFrames());
            assertEquals(bytes, a.stats().rxBytes());
            assertEquals(3000, a.stats().txFrames());
            assertEquals(0, a.stats().dropped());
            assertEquals(0, s.sw.pmdErrors());
        }
    }

    /**
     * A frame read straight from one host range and a frame read through the chain cursor arrive
     * alike: the sender describes its buffers in every layout a driver may use (one buffer, the
     * header apart, the frame cut after its first bytes or inside its Ethernet header, many pieces).
     */
    @Test
    void framesArriveByteExactWhateverBuffersTheSenderDescribesThemWith() throws Exception {
        int hdr = GuestNic.HDR;
        int[][] layouts = {{}, {hdr}, {hdr + 6}, {hdr + 60}, {hdr, hdr + 64, hdr + 700}, {4, hdr + 1, hdr + 2, hdr + 3}};
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b"}, new int[] {10, 10}, 1,
                TestPipelines::floodEverywhere)) {
            long total = 0;
            for (int l = 0; l < layouts.length; l++) {
                s.guests.get(0).splitTx(layouts[l]);
                List<byte[]> sent = frames(200, l * 1000);
                List<byte[]> got = new ArrayList<>();
                SwitchedGuests.pump(s.guests, 0, sent, 1, (guest, frame) -> got.add(frame), Duration.ofSeconds(20));
                for (int i = 0; i < sent.size(); i++) {
                    assertArrayEquals(sent.get(i), got.get(i), "layout " + l + ", frame " + i);
                }
                total += sent.size();
            }
            // Received frames are counted before any leaves (b's transmit count may still be on its way).
            assertEquals(total, s.sw.port("a").stats().rxFrames());
            assertEquals(0, s.sw.port("a").stats().dropped());
            assertEquals(0, s.sw.pmdErrors());
        }
    }

    @Test
    void aFloodReachesEveryGuestOfItsVlanAndNoneOfAnotherEvenWithTheSameAddresses() throws Exception {
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a1", "a2", "a3", "b1", "b2"},
                new int[] {10, 10, 10, 20, 20}, 2, TestPipelines::floodEverywhere)) {
            // GuestNic frames are broadcasts from one fixed MAC: the same addresses in both VLANs.
            for (int from : new int[] {0, 3}) {
                List<byte[]> sent = frames(500, from * 1000);
                int[] perGuest = new int[5];
                AtomicInteger wrong = new AtomicInteger();
                int expectedReceivers = from == 0 ? 2 : 1;
                SwitchedGuests.pump(s.guests, from, sent, expectedReceivers, (guest, frame) -> {
                            boolean sameVlan = (guest < 3) == (from < 3);
                            if (!sameVlan || guest == from || !Arrays.equals(sent.get(perGuest[guest]), frame)) {
                                wrong.incrementAndGet();
                            }
                            perGuest[guest]++;
                        }, Duration.ofSeconds(20));
                Thread.sleep(50); // anything leaking into the other VLAN would have arrived by now
                for (int g = 0; g < 5; g++) {
                    int index = g;
                    s.guest(g).receive((seg, len) -> perGuest[index]++);
                }
                assertEquals(0, wrong.get(), "frames reached another VLAN, the sender, or differ");
                for (int g = 0; g < 5; g++) {
                    boolean receiver = g != from && (g < 3) == (from < 3);
                    assertEquals(receiver ? sent.size() : 0, perGuest[g], "guest " + g + " after a flood from " + from);
                }
            }
            assertEquals(500 * 2 + 500 * 3, s.sw.drops(DropReason.VLAN_NOT_ALLOWED),
                    "each flooded frame was refused once per port of the other VLAN");
            assertEquals(0, s.sw.drops(DropReason.PORT_FULL));
        }
    }

    @Test
    void runtsAndChainsOutsideGuestMemoryAreRefusedWhileGoodFramesFlow() throws Exception {
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b"}, new int[] {10, 10}, 1,
                TestPipelines::floodEverywhere)) {
            GuestNic a = s.guest(0);
            List<byte[]> good = frames(100, 0);
            List<byte[]> got = new ArrayList<>();
            for (int i = 0; i < good.size(); i++) {
                assertTrue(a.transmit(good.get(i)));
                if (i % 10 == 0) {
                    assertTrue(a.transmit(new byte[4]), "a runt: 4 bytes after the virtio-net header");
                    // A chain whose buffer lies far outside the guest's memory.
                    a.queue(1).add(new long[] {1L << 40}, new int[] {100}, new boolean[] {false}, 1);
                }
            }
            a.kickTx();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (got.size() < good.size()) {
                assertTrue(System.nanoTime() < deadline, "only " + got.size() + " good frames arrived");
                s.guest(1).receive((seg, len) -> got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR)));
                Thread.sleep(1);
            }
            for (int i = 0; i < good.size(); i++) {
                assertArrayEquals(good.get(i), got.get(i), "good frame " + i);
            }
            assertEquals(10, s.sw.port("a").deviceDrops(), "every runt counted by the port");
            assertEquals(0, s.sw.pmdErrors(), "nothing escaped the poll loop");
            assertTrue(s.sw.port("a").connected(), "a bad chain costs the chain, not the port");
        }
    }

    @Test
    void aGuestThatStopsReceivingCostsItsOwnFramesOnly() throws Exception {
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b"}, new int[] {10, 10}, 1,
                TestPipelines::floodEverywhere)) {
            GuestNic a = s.guest(0);
            int total = GuestNic.QSIZE + 144;
            int sent = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // b never takes its frames: its 256 RX buffers fill, the rest find no room.
            while (sent < total || s.sw.port("a").stats().rxFrames() < total) {
                assertTrue(System.nanoTime() < deadline, "a's frames were not all taken: " + s.sw.port("a"));
                while (sent < total && a.transmit(GuestNic.frame(64, sent))) {
                    sent++;
                }
                a.kickTx();
                a.reclaimTx();
                Thread.sleep(1);
            }
            PortInfo b = s.sw.port("b");
            assertEquals(GuestNic.QSIZE, b.stats().txFrames());
            assertEquals(144, b.stats().drops().get(DropReason.PORT_FULL));
            assertEquals(144, s.sw.drops(DropReason.PORT_FULL));
            int[] received = new int[1];
            s.guest(1).receive((seg, len) -> received[0]++);
            assertEquals(GuestNic.QSIZE, received[0]);
        }
    }

    @Test
    void twoPmdsDeliveringIntoOneGuestInterleaveWholeFramesInEachSendersOrder() throws Exception {
        // a on PMD 0, b on PMD 1 (least loaded), c on PMD 0: both PMDs write c's RX ring at once.
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b", "c"}, new int[] {10, 10, 10}, 2,
                ports -> (inPort, header, headerLength, frameLength, now, verdict) -> {
                    verdict.egressVlan(10);
                    if (inPort != 2) {
                        verdict.addOutput(2);
                    }
                })) {
            assertEquals(List.of(0, 1, 0), s.sw.ports().stream().map(PortInfo::pmd).toList());
            int perSender = 5000;
            List<List<byte[]>> sent = List.of(frames(perSender, 0), frames(perSender, 100_000));
            int[] next = new int[2];
            int[] got = new int[2];
            AtomicInteger wrong = new AtomicInteger();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got[0] + got[1] < 2 * perSender) {
                assertTrue(System.nanoTime() < deadline, "received " + Arrays.toString(got));
                for (int g = 0; g < 2; g++) {
                    GuestNic src = s.guest(g);
                    int queued = 0;
                    while (next[g] < perSender && next[g] - got[g] < 64 && src.transmit(sent.get(g).get(next[g]))) {
                        next[g]++;
                        queued++;
                    }
                    if (queued > 0) {
                        src.kickTx();
                    }
                    src.reclaimTx();
                }
                s.guest(2).receive((seg, len) -> {
                    byte[] frame = GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR);
                    // Which sender: its frames are the only ones equal to its next expected frame.
                    for (int g = 0; g < 2; g++) {
                        if (got[g] < perSender && Arrays.equals(sent.get(g).get(got[g]), frame)) {
                            got[g]++;
                            return;
                        }
                    }
                    wrong.incrementAndGet();
                });
            }
            assertEquals(0, wrong.get(), "frames torn, reordered within a sender, or duplicated");
            assertEquals(2 * perSender, s.sw.port("c").stats().txFrames());
            assertEquals(0, s.sw.drops(DropReason.PORT_FULL));
            assertTrue(s.sw.pmdStats().get(0).frames() > 0 && s.sw.pmdStats().get(1).frames() > 0);
        }
    }

    /** A guest "mq" with two queue pairs and a guest "b", both on VLAN 10. */
    private List<PortSpec> multiQueuePorts() {
        return List.of(
                new PortSpec("mq", PortType.VHOST_USER_SERVER, dir.resolve("mq.sock").toString(), Duration.ofSeconds(1),
                        io.virtio4j.ovs.model.PortVlan.access(10), 2, -1),
                PortSpec.access("b", PortType.VHOST_USER_SERVER, dir.resolve("b.sock").toString(), 10));
    }

    /** Waits up to 5 s for the ports to connect; returns that deadline. */
    private static long awaitConnected(VirtualSwitch sw, String... names) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (String name : names) {
            while (!sw.port(name).connected()) {
                assertTrue(System.nanoTime() < deadline, "port " + name + " never connected");
                Thread.sleep(2);
            }
        }
        return deadline;
    }

    @Test
    void aMultiQueueGuestSendsOnItsSecondPairAndItsKickWakesASleepingPmd() throws Exception {
        List<PortSpec> ports = multiQueuePorts();
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        // A 10 s safety-net sleep: a frame that arrives fast can only have been signalled by its kick.
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports))
                .maxSleep(Duration.ofSeconds(10)).start();
             VhostUserFrontend feMq = VhostUserFrontend.connect(dir.resolve("mq.sock"), Duration.ofSeconds(5));
             VhostUserFrontend feB = VhostUserFrontend.connect(dir.resolve("b.sock"), Duration.ofSeconds(5));
             GuestNic mq = new GuestNic(GuestNic.QSIZE, 2);
             GuestNic b = new GuestNic()) {
            mq.attach(feMq);
            b.attach(feB);
            awaitConnected(sw, "mq", "b");
            Thread.sleep(300); // the PMD is asleep on its kick fds now
            long sleeps = sw.pmdStats().get(0).sleeps();
            byte[] frame = GuestNic.frame(300, 42);
            long start = System.nanoTime();
            assertTrue(mq.transmit(1, frame));
            mq.kickTx(1);
            List<byte[]> got = new ArrayList<>();
            while (got.isEmpty()) {
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "pair 1's frame never arrived");
                b.receive((seg, len) -> got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR)));
            }
            long latency = System.nanoTime() - start;
            assertArrayEquals(frame, got.get(0));
            assertTrue(sleeps > 0, "the PMD had gone to sleep");
            assertTrue(latency < 2_000_000_000L, "pair 1's kick woke the PMD (not its 10 s timeout): " + latency / 1000 + " us");
            byte[] back = GuestNic.frame(200, 43);
            assertTrue(b.transmit(back));
            b.kickTx();
            List<byte[]> gotBack = new ArrayList<>();
            while (gotBack.isEmpty()) {
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "the answer never arrived");
                for (int pair = 0; pair < 2; pair++) {
                    mq.receive(pair, (seg, len) -> gotBack.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR)));
                }
            }
            assertArrayEquals(back, gotBack.get(0), "the answer arrived on the pair its flow hashes to");
        }
    }

    @Test
    void framesToAMultiQueueGuestSpreadOverItsPairsAndEachFlowStaysInOrderOnOne() throws Exception {
        List<PortSpec> ports = multiQueuePorts();
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        int flows = 16;
        int perFlow = 8;
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports)).start();
             VhostUserFrontend feMq = VhostUserFrontend.connect(dir.resolve("mq.sock"), Duration.ofSeconds(5));
             VhostUserFrontend feB = VhostUserFrontend.connect(dir.resolve("b.sock"), Duration.ofSeconds(5));
             GuestNic mq = new GuestNic(GuestNic.QSIZE, 2);
             GuestNic b = new GuestNic()) {
            mq.attach(feMq);
            b.attach(feB);
            long deadline = awaitConnected(sw, "mq", "b");
            // Flow f: source MAC 02:00:00:00:00:f; byte 14 carries the frame's number within its flow.
            for (int n = 0; n < perFlow; n++) {
                for (int f = 0; f < flows; f++) {
                    byte[] frame = GuestNic.frame(64, 0);
                    frame[11] = (byte) f;
                    frame[14] = (byte) n;
                    assertTrue(b.transmit(frame));
                }
                b.kickTx();
            }
            int[][] pairOf = new int[flows][perFlow];
            int[] next = new int[flows];
            int[] perPair = new int[2];
            int total = 0;
            while (total < flows * perFlow) {
                assertTrue(System.nanoTime() < deadline + Duration.ofSeconds(5).toNanos(), "received " + total);
                for (int pair = 0; pair < 2; pair++) {
                    int p = pair;
                    total += mq.receive(pair, (seg, len) -> {
                        byte[] got = GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR);
                        int f = got[11];
                        assertEquals(next[f], got[14], "flow " + f + " in order");
                        pairOf[f][next[f]++] = p;
                        perPair[p]++;
                    });
                }
            }
            for (int f = 0; f < flows; f++) {
                for (int n = 1; n < perFlow; n++) {
                    assertEquals(pairOf[f][0], pairOf[f][n], "flow " + f + " stays on one pair");
                }
            }
            assertTrue(perPair[0] > 0 && perPair[1] > 0, "both pairs carry traffic: " + Arrays.toString(perPair));
        }
    }

    @Test
    void aClientPortReconnectsToANewFrontEndAndFramesFlowAgain() throws Exception {
        Path sock = dir.resolve("listen.sock");
        Path serverSock = dir.resolve("b.sock");
        List<PortSpec> ports = List.of(
                new PortSpec("a", PortType.VHOST_USER_CLIENT, sock.toString(), Duration.ofMillis(20),
                        io.virtio4j.ovs.model.PortVlan.access(10), 1, -1),
                PortSpec.access("b", PortType.VHOST_USER_SERVER, serverSock.toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        try (UnixListener listener = UnixListener.bind(sock);
             VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports)).start();
             VhostUserFrontend feB = VhostUserFrontend.connect(serverSock, Duration.ofSeconds(5));
             GuestNic b = new GuestNic()) {
            b.attach(feB);
            for (int round = 0; round < 2; round++) {
                try (VhostUserFrontend feA = VhostUserFrontend.over(listener.accept()); GuestNic a = new GuestNic()) {
                    a.attach(feA);
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (!(sw.port("a").connected() && sw.port("b").connected())) {
                        assertTrue(System.nanoTime() < deadline, "ports never connected in round " + round);
                        Thread.sleep(2);
                    }
                    assertEquals("connected", sw.port("a").state());
                    List<byte[]> sent = frames(200, round * 1000);
                    List<byte[]> got = new ArrayList<>();
                    SwitchedGuests.pump(List.of(a, b), 0, sent, 1, (guest, frame) -> got.add(frame), Duration.ofSeconds(10));
                    for (int i = 0; i < sent.size(); i++) {
                        assertArrayEquals(sent.get(i), got.get(i), "round " + round + " frame " + i);
                    }
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (sw.port("a").connected()) {
                    assertTrue(System.nanoTime() < deadline, "port a still connected after its front-end left");
                    Thread.sleep(2);
                }
                assertEquals("waiting", sw.port("a").state());
            }
        }
    }

    @Test
    void closingTheSwitchWithGuestsAttachedReleasesEveryFdAndThread() throws Exception {
        OpenFds.Snapshot before = OpenFds.snapshot();
        List<Thread> pmds;
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b", "c"}, new int[] {10, 10, 20}, 2,
                TestPipelines::floodEverywhere)) {
            pmds = s.sw.pmdThreads();
            List<byte[]> got = new ArrayList<>();
            SwitchedGuests.pump(s.guests, 0, frames(10, 0), 1, (g, f) -> got.add(f), Duration.ofSeconds(10));
        }
        for (Thread t : pmds) {
            t.join(2000);
            assertTrue(!t.isAlive(), t.getName() + " still runs");
        }
        // Session threads drop their fds as they end: assertNoneOpenedSince gives them a moment. It
        // compares fds, not their count, which an earlier test's thread closing its own moved once.
        before.assertNoneOpenedSince("after the switch and its guests closed", Duration.ofSeconds(5));
    }
}
