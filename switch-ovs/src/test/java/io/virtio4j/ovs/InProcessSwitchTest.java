package io.virtio4j.ovs;

import io.virtio4j.testing.OpenFds;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.ovs.testing.ThreadMeasures;
import io.virtio4j.tap.testing.Frames;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The switch with in-process ports: execution of verdicts, VLAN tags, rewrites, counters, PMDs, close. */
class InProcessSwitchTest {
    static final byte[] MAC_A = Frames.mac("02:00:00:00:00:0a");
    static final byte[] MAC_B = Frames.mac("02:00:00:00:00:0b");

    static PortSpec access(String name, int vlan) {
        return PortSpec.access(name, PortType.IN_PROCESS, name, vlan);
    }

    static PortSpec trunk(String name, Set<Integer> vlans) {
        return new PortSpec(name, PortType.IN_PROCESS, name, Duration.ofSeconds(1), PortVlan.trunk(vlans), 1, -1);
    }

    static SwitchSpec spec(int pmds, PortSpec... ports) {
        return new SwitchSpec(L3Mode.NONE, pmds, FdbSpec.DEFAULT, List.of(ports), List.of(), List.of(), List.of());
    }

    static VirtualSwitch start(SwitchSpec spec, FramePipeline pipeline) {
        return VirtualSwitch.builder(spec).pipeline(pipeline).start();
    }

    /** An untagged IPv4/UDP frame of {@code length} bytes with a valid IP checksum and a numbered payload. */
    static byte[] udpFrame(int length, int seq) {
        MemorySegment f = MemorySegment.ofArray(new byte[length]);
        Frames.ethernet(f, MAC_B, MAC_A, Frames.ETHERTYPE_IPV4);
        Frames.ipv4Header(f, Frames.PROTO_UDP, Frames.ipv4("10.0.0.1"), Frames.ipv4("10.0.1.2"), length - Frames.L4, seq);
        Frames.payload(f, Frames.L4, length - Frames.L4, seq);
        return f.toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@code frame} with an 802.1Q tag of {@code vlan} inserted after the MACs. */
    static byte[] tagged(byte[] frame, int vlan) {
        byte[] t = new byte[frame.length + 4];
        System.arraycopy(frame, 0, t, 0, 12);
        t[12] = (byte) 0x81;
        t[13] = 0x00;
        t[14] = (byte) (vlan >> 8);
        t[15] = (byte) vlan;
        System.arraycopy(frame, 12, t, 16, frame.length - 12);
        return t;
    }

    /** The next frame the switch sent to {@code port}, waiting up to 5 s; fails if none. */
    static byte[] await(InProcessPort port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        byte[] f;
        while ((f = port.take()) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no frame reached port " + port.name());
            }
            Thread.sleep(1);
        }
        return f;
    }

    /** Waits until the switch-wide counter says {@code n} drops for {@code reason}. */
    static void awaitDrops(VirtualSwitch sw, DropReason reason, long n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (sw.drops(reason) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " drops for " + reason + ", saw " + sw.drops(reason));
            }
            Thread.sleep(1);
        }
    }

    @Test
    void aFloodReachesItsVlanOnlyTaggedOnTrunksUntaggedOnAccessPortsByteExact() throws Exception {
        SwitchSpec spec = spec(1, access("a", 10), access("b", 10), access("c", 20), trunk("t", Set.of(10, 20)));
        try (VirtualSwitch sw = start(spec, TestPipelines.floodEverywhere(spec.ports()))) {
            byte[] frame = udpFrame(200, 1);
            assertTrue(sw.inProcessPort("a").inject(frame));
            assertArrayEquals(frame, await(sw.inProcessPort("b")), "same VLAN, access: as sent");
            assertArrayEquals(tagged(frame, 10), await(sw.inProcessPort("t")), "trunk: tagged with VLAN 10");
            awaitDrops(sw, DropReason.VLAN_NOT_ALLOWED, 1);
            assertNull(sw.inProcessPort("c").take(), "VLAN 20 never sees VLAN 10's frame");

            // From the trunk, tagged 20: popped for the VLAN 20 access port, nothing for VLAN 10.
            byte[] second = udpFrame(300, 2);
            assertTrue(sw.inProcessPort("t").inject(tagged(second, 20)));
            assertArrayEquals(second, await(sw.inProcessPort("c")));
            awaitDrops(sw, DropReason.VLAN_NOT_ALLOWED, 3);
            assertNull(sw.inProcessPort("a").take());
            assertNull(sw.inProcessPort("b").take());

            PortInfo a = sw.port("a");
            assertEquals(1, a.stats().rxFrames());
            assertEquals(200, a.stats().rxBytes());
            assertEquals(1, sw.port("b").stats().txFrames());
            assertEquals(200, sw.port("b").stats().txBytes());
            assertEquals(2, sw.port("t").stats().txFrames() + sw.port("t").stats().rxFrames());
            assertEquals(204, sw.port("t").stats().txBytes(), "the pushed tag is counted");
            assertEquals(2, sw.port("a").stats().drops().get(DropReason.VLAN_NOT_ALLOWED)
                    + sw.port("b").stats().drops().get(DropReason.VLAN_NOT_ALLOWED), "one per port of VLAN 10 the trunk's frame could not reach");
            assertEquals("connected", a.state());
            assertEquals(0, sw.pmdErrors());
        }
    }

    @Test
    void routedFramesLeaveWithNewMacsTtlMinusOneAValidChecksumAndTheRightTag() throws Exception {
        long gatewayMac = 0x02_00_00_00_01_01L;
        long hostMac = 0x02_00_00_00_02_02L;
        SwitchSpec spec = spec(1, access("a", 10), trunk("t", Set.of(20)));
        try (VirtualSwitch sw = start(spec, TestPipelines.route(0, 1, 20, gatewayMac, hostMac))) {
            byte[] frame = udpFrame(1000, 7);
            assertTrue(sw.inProcessPort("a").inject(frame));
            byte[] out = await(sw.inProcessPort("t"));
            assertEquals(1004, out.length);
            MemorySegment o = MemorySegment.ofArray(out);
            assertEquals(hostMac, macAt(o, 0));
            assertEquals(gatewayMac, macAt(o, 6));
            assertEquals(0x8100, Frames.u16(o, 12));
            assertEquals(20, Frames.u16(o, 14) & 0xfff);
            assertEquals(Frames.ETHERTYPE_IPV4, Frames.u16(o, 16));
            assertEquals(63, Frames.u8(o, 18 + 8), "TTL decremented");
            assertTrue(Checksum.verify(o, 18, 20), "the incrementally updated checksum verifies");
            assertTrue(Frames.payloadMatches(o, Frames.L4 + 4, 1000 - Frames.L4, 7), "payload copied intact");
            // Everything but the rewritten fields is the original's.
            byte[] expected = tagged(frame, 20);
            System.arraycopy(out, 0, expected, 0, 12);
            expected[18 + 8] = 63;
            expected[18 + 10] = out[18 + 10];
            expected[18 + 11] = out[18 + 11];
            assertArrayEquals(expected, out);
        }
    }

    @Test
    void aRoutedFrameMayLeaveByItsIngressTrunkRetaggedForTheEgressVlan() throws Exception {
        SwitchSpec spec = spec(1, trunk("t", Set.of(10, 20)));
        try (VirtualSwitch sw = start(spec, TestPipelines.route(0, 0, 20, 0x02_00_00_00_01_01L, 0x02_00_00_00_02_02L))) {
            assertTrue(sw.inProcessPort("t").inject(tagged(udpFrame(100, 3), 10)));
            MemorySegment o = MemorySegment.ofArray(await(sw.inProcessPort("t")));
            assertEquals(20, Frames.u16(o, 14) & 0xfff, "router on a stick: in on VLAN 10, out on VLAN 20");
            assertEquals(63, Frames.u8(o, 18 + 8));
            assertTrue(Checksum.verify(o, 18, 20));
        }
    }

    static long macAt(MemorySegment s, int offset) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | Frames.u8(s, offset + i);
        }
        return mac;
    }

    @Test
    void aReplyGoesBackToTheIngressPortAndBadOutputsAreDroppedNotFatal() throws Exception {
        SwitchSpec spec = spec(1, access("a", 10), access("b", 10));
        try (VirtualSwitch sw = start(spec, TestPipelines.replyWith(60, (byte) 0x5a, 10))) {
            assertTrue(sw.inProcessPort("a").inject(udpFrame(100, 1)));
            byte[] reply = await(sw.inProcessPort("a"));
            assertEquals(60, reply.length);
            for (byte b : reply) {
                assertEquals(0x5a, b);
            }
            assertNull(sw.inProcessPort("b").take());
            assertEquals(1, sw.port("a").stats().txFrames());
        }
        SwitchSpec trunked = spec(1, access("a", 10), trunk("t", Set.of(10, 20)));
        try (VirtualSwitch sw = start(trunked, TestPipelines.replyWith(60, (byte) 0x5a, 20))) {
            assertTrue(sw.inProcessPort("t").inject(tagged(udpFrame(100, 1), 20)));
            byte[] reply = await(sw.inProcessPort("t"));
            byte[] expected = new byte[60];
            java.util.Arrays.fill(expected, (byte) 0x5a);
            assertArrayEquals(tagged(expected, 20), reply, "a reply to a trunk carries the egress VLAN's tag");
            assertTrue(sw.inProcessPort("a").inject(udpFrame(100, 2)));
            awaitDrops(sw, DropReason.VLAN_NOT_ALLOWED, 1);
            assertNull(sw.inProcessPort("a").take(), "no reply on VLAN 20 to a port of VLAN 10");
        }
        try (VirtualSwitch sw = start(spec, TestPipelines.outputTo(99, 10))) {
            assertTrue(sw.inProcessPort("a").inject(udpFrame(100, 1)));
            awaitDrops(sw, DropReason.FLOW_DROP, 1);
            assertTrue(sw.inProcessPort("a").inject(new byte[10]));
            awaitDrops(sw, DropReason.MALFORMED, 1);
            assertEquals(0, sw.pmdErrors(), "nothing escaped the poll loop");
        }
    }

    @Test
    void portsArePolledByTheirPmdsAndPmdStatsCountFrames() throws Exception {
        PortSpec pinned = new PortSpec("p", PortType.IN_PROCESS, "p", Duration.ofSeconds(1), PortVlan.access(10), 1, 1);
        SwitchSpec spec = spec(2, access("a", 10), pinned, access("b", 10));
        try (VirtualSwitch sw = start(spec, TestPipelines.forward(0, 2, 10))) {
            assertEquals(List.of(0, 1, 0), sw.ports().stream().map(PortInfo::pmd).toList(),
                    "p pinned to PMD 1; a and b each to the least loaded PMD (PMD 0 wins ties)");
            assertEquals(2, sw.pmdThreads().size());
            for (int i = 0; i < 100; i++) {
                assertTrue(sw.inProcessPort("a").inject(udpFrame(64, i)));
            }
            for (int i = 0; i < 100; i++) {
                byte[] f = await(sw.inProcessPort("b"));
                assertTrue(Frames.payloadMatches(MemorySegment.ofArray(f), Frames.L4, 64 - Frames.L4, i), "in order");
            }
            PmdSnapshot pmd0 = sw.pmdStats().get(0);
            assertEquals(100, pmd0.frames());
            assertTrue(pmd0.busyNanos() > 0 && pmd0.idleNanos() > 0 && pmd0.polls() > 0, pmd0.toString());
            assertEquals(0, sw.pmdStats().get(1).frames());
        }
    }

    @Test
    void anIdleSwitchSleepsOnItsKickFdsAndWakesForTheNextFrame() throws Exception {
        SwitchSpec spec = spec(1, access("a", 10), access("b", 10));
        // A 10 s safety-net sleep: a frame that arrives fast can only have been signalled.
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.forward(0, 1, 10))
                .maxSleep(Duration.ofSeconds(10)).start()) {
            Thread pmd = sw.pmdThreads().get(0);
            Thread.sleep(300); // past the spin
            long cpuBefore = ThreadMeasures.cpuNanos(pmd);
            long sleepsBefore = sw.pmdStats().get(0).sleeps();
            Thread.sleep(2000);
            long cpu = ThreadMeasures.cpuNanos(pmd) - cpuBefore;
            long sleeps = sw.pmdStats().get(0).sleeps() - sleepsBefore;
            System.out.printf("idle PMD: %.2f ms CPU in 2 s, %d sleeps%n", cpu / 1e6, sleeps);
            assertTrue(cpu < 40_000_000L, "an idle PMD used " + cpu / 1_000_000 + " ms of CPU in 2 s");
            assertTrue(sleeps <= 1, "one sleep, not a loop of them: " + sleeps);
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                assertTrue(sw.inProcessPort("a").inject(udpFrame(64, i)));
                await(sw.inProcessPort("b"));
                long latency = System.nanoTime() - start;
                assertTrue(latency < 2_000_000_000L, "the inject's eventfd woke the PMD, not its timeout: " + latency / 1000 + " us");
                Thread.sleep(100); // asleep again
            }
        }
    }

    @Test
    void closeStopsEveryThreadAndReleasesEveryFd() throws Exception {
        long fdsBefore = ThreadMeasures.openFds();
        OpenFds.Snapshot snapshot = OpenFds.snapshot();
        SwitchSpec spec = spec(2, access("a", 10), access("b", 10), access("c", 10));
        VirtualSwitch sw = start(spec, TestPipelines.floodEverywhere(spec.ports()));
        List<Thread> pmds = sw.pmdThreads();
        assertTrue(ThreadMeasures.openFds() > fdsBefore, "ports and PMDs hold eventfds and epoll sets");
        assertTrue(sw.inProcessPort("a").inject(udpFrame(64, 1)));
        assertNotNull(await(sw.inProcessPort("b")));
        sw.close();
        sw.close();
        for (Thread t : pmds) {
            t.join(2000);
            assertFalse(t.isAlive(), t.getName() + " still runs");
        }
        snapshot.assertNoneOpenedSince("every fd the switch opened is closed", Duration.ofSeconds(5));
        assertFalse(sw.inProcessPort("a").inject(udpFrame(64, 2)), "a closed port takes nothing");
    }

    @Test
    void aPipelineThatThrowsCostsOneFrameAndIsCountedAsAPmdError() throws Exception {
        SwitchSpec spec = spec(1, access("a", 10), access("b", 10));
        FramePipeline forward = TestPipelines.forward(0, 1, 10);
        FramePipeline failing = (inPort, header, headerLength, frameLength, now, verdict) -> {
            if (frameLength == 99) {
                throw new IllegalStateException("a pipeline bug, for the test");
            }
            forward.process(inPort, header, headerLength, frameLength, now, verdict);
        };
        try (VirtualSwitch sw = start(spec, failing)) {
            assertTrue(sw.inProcessPort("a").inject(udpFrame(99, 1)));
            assertTrue(sw.inProcessPort("a").inject(udpFrame(100, 2)));
            byte[] f = await(sw.inProcessPort("b"));
            assertEquals(100, f.length, "the frame after the failing one is forwarded");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (sw.pmdErrors() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(1, sw.pmdErrors());
            assertTrue(sw.pmdThreads().get(0).isAlive(), "the PMD polls on");
        }
    }

    @Test
    void countersLiveInTheHandedInManagerUnderTheirLabelsAndAreFreedOnClose() throws Exception {
        CountersManager manager = VirtualSwitch.inMemoryCounters(256);
        SwitchSpec spec = spec(1, access("a", 10), access("b", 20));
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(spec.ports()))
                .counters(manager).start()) {
            assertTrue(sw.inProcessPort("a").inject(udpFrame(100, 1)));
            awaitDrops(sw, DropReason.VLAN_NOT_ALLOWED, 1);
            java.util.Map<String, Long> byLabel = new java.util.HashMap<>();
            manager.forEach((id, label) -> byLabel.put(label, manager.getCounterValue(id)));
            assertEquals(1L, byLabel.get("port:a:rx_frames"));
            assertEquals(100L, byLabel.get("port:a:rx_bytes"));
            assertEquals(1L, byLabel.get("port:b:drop_vlan_not_allowed"));
            assertEquals(1L, byLabel.get("drop:vlan_not_allowed"));
            assertEquals(0L, byLabel.get("port:b:tx_frames"));
            assertTrue(byLabel.containsKey("pmd:0:busy_ns") && byLabel.containsKey("pmd:0:frames"), byLabel.keySet().toString());
        }
        int[] left = new int[1];
        manager.forEach((id, label) -> left[0]++);
        assertEquals(0, left[0], "every counter freed when the switch closed");
    }

    @Test
    void aSwitchThatFailsToStartLeavesNoCounterFdOrThreadBehind() throws InterruptedException {
        SwitchSpec spec = spec(2, access("a", 10), access("b", 10), access("c", 10));
        // PMD threads of switches earlier tests closed may still be ending: only new ones count.
        Set<Thread> earlierPmds = pmdThreads();
        OpenFds.Snapshot fds = OpenFds.snapshot();
        // Room for the drop and port counters, not for the second PMD's.
        CountersManager small = VirtualSwitch.inMemoryCounters(9 + 3 * 13 + 6 + 3);
        SwitchException e = assertThrows(SwitchException.class, () -> VirtualSwitch.builder(spec)
                .pipeline(TestPipelines.floodEverywhere(spec.ports())).counters(small).start());
        assertTrue(e.getMessage().contains("counters"), e.getMessage());
        int[] left = new int[1];
        small.forEach((id, label) -> left[0]++);
        assertEquals(0, left[0], "counters allocated before the failure were freed");
        fds.assertNoneOpenedSince("ports and PMD opened before the failure were closed", Duration.ofSeconds(5));
        Set<Thread> started = pmdThreads();
        started.removeAll(earlierPmds);
        assertTrue(started.isEmpty(), "no PMD thread of this switch left running: " + started);
    }

    @Test
    void aSwitchWithoutPipelineOrWithAnUnknownPortIsRefused() {
        SwitchSpec spec = spec(1, access("a", 10));
        assertThrows(IllegalStateException.class, () -> VirtualSwitch.builder(spec).start());
        try (VirtualSwitch sw = start(spec, TestPipelines.forward(0, 0, 10))) {
            assertThrows(IllegalArgumentException.class, () -> sw.port("nope"));
        }
    }

    private static Set<Thread> pmdThreads() {
        Set<Thread> pmds = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && (t.getName().startsWith("pmd-") || t.getName().startsWith("virtio4j-pmd"))) {
                pmds.add(t);
            }
        }
        return pmds;
    }
}
