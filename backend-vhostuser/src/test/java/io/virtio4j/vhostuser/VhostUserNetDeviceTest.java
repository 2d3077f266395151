package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.protocol.RingListener;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.InterruptSink;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.QueueSetup;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.vhostuser.testing.GuestNic;
import io.virtio4j.vring.DeviceQueue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.virtio4j.api.feature.VirtioFeature.NET_MRG_RXBUF;
import static io.virtio4j.api.feature.VirtioFeature.RING_EVENT_IDX;
import static io.virtio4j.api.feature.VirtioFeature.RING_PACKED;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;
import static io.virtio4j.api.status.DeviceStatus.ACKNOWLEDGE;
import static io.virtio4j.api.status.DeviceStatus.DEVICE_NEEDS_RESET;
import static io.virtio4j.api.status.DeviceStatus.DRIVER;
import static io.virtio4j.api.status.DeviceStatus.DRIVER_OK;
import static io.virtio4j.api.status.DeviceStatus.FEATURES_OK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code vhost-user:} backend behind a {@link VirtioNetDevice} in this process, driven like a
 * guest driver would (spec 3.1.1) over memfd guest memory, against our own back-end (a
 * {@link VhostUserNetPort} behind a server or client session loop) in the same JVM: both socket
 * roles and both ring kinds, frames both ways byte-exact, interrupts relayed to the device, reset
 * takes the rings back, and a back-end restart while started gets the rings again (packed rings:
 * after the reset the device asks for, their positions having gone with the lost back-end).
 */
class VhostUserNetDeviceTest {
    private static final String GUEST_MAC = "52:54:00:12:34:56";
    private static final Duration PEER_STARTUP = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** The front-end's spec facing our back-end in {@code role}: it listens ({@code mode=server}) when we connect. */
    private static String spec(OurBackend role, Path sock) {
        return "vhost-user:path=" + sock + ",mode=" + (role == OurBackend.CLIENT ? "server" : "client") + ",reconnect=20ms";
    }

    /** Counts interrupts per queue and configuration interrupts, as a transport would raise them. */
    private static final class CountingSink implements InterruptSink {
        final AtomicLongArray used = new AtomicLongArray(3);
        final AtomicLong configChanges = new AtomicLong();

        @Override
        public void usedBuffer(int index) {
            used.incrementAndGet(index);
        }

        @Override
        public void configChanged() {
            configChanges.incrementAndGet();
        }
    }

    /**
     * Split: the new back-end resumes each ring from the used index the lost one left. Packed: the
     * positions went with the lost back-end, so the device asks for a reset (DEVICE_NEEDS_RESET,
     * with a configuration interrupt) instead of handing stale ones on; the driver's reset hands the
     * new back-end fresh rings.
     */
    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("io.virtio4j.vhostuser.TestpmdPeerTest#rolesAndRings")
    void framesCrossBothWaysAndABackEndRestartWhileStartedGetsTheRingsAgain(OurBackend mode, boolean packed) throws Exception {
        Path sock = dir.resolve("dev.sock");
        VhostUserNetPort first = new VhostUserNetPort(1, 9000);
        TestpmdPeerTest.RecordingListener firstSeen = new TestpmdPeerTest.RecordingListener(first);
        CountingSink sink = new CountingSink();
        long fds = TestFiles.openFds();
        try (GuestNic nic = packed ? GuestNic.packed(GuestNic.QSIZE, 1) : new GuestNic();
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open(spec(mode, sock));
             EventfdNotifier controlKick = EventfdNotifier.create()) {
            SessionLoop ours = mode.start(sock, firstSeen);
            try {
                TestFiles.waitFor(backend::connected, "the back-end connected");
                assertEquals(BackendConfig.net(1).offeredFeatures() & VhostUserNetBackend.CARRIED_FEATURES,
                        backend.supportedFeatures(), "asked the connected back-end");
                Iterator<EventNotifier> kicks = List.<EventNotifier>of(nic.kickNotifier(0), nic.kickNotifier(1), controlKick).iterator();
                try (VirtioNetDevice device = new VirtioNetDevice(
                        new NetDeviceConfig(MacAddress.parse(GUEST_MAC), 1500, 1, GuestNic.QSIZE, backend), nic.memory(), kicks::next)) {
                    device.attach(sink);
                    assertTrue(NET_MRG_RXBUF.in(device.offeredFeatures()) && RING_EVENT_IDX.in(device.offeredFeatures())
                            && RING_PACKED.in(device.offeredFeatures()), "offered 0x" + Long.toHexString(device.offeredFeatures()));
                    nic.postAllRx();
                    driverOk(device, nic, packed);
                    assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, device.status(), "the backend started");
                    assertTrue(backend.handedOver());
                    TestFiles.waitFor(() -> first.ready(0), "our back-end runs the rings");
                    firstSeen.assertRingKind(packed, "the back-end's SET_FEATURES");
                    int fresh = packed ? 0x8000 : 0;
                    assertArrayEquals(new int[] {fresh, fresh}, firstSeen.startedAt, "SET_VRING_BASE of a fresh ring");

                    exchange(nic, first, sink, 1);

                    // The back-end goes away while the device runs; a new one comes on the same path.
                    ours.close();
                    TestFiles.waitFor(() -> backend.counters().disconnects() == 1, "the disconnect was seen");
                    assertFalse(first.ready(0));
                    VhostUserNetPort second = new VhostUserNetPort(1, 9000);
                    TestpmdPeerTest.RecordingListener secondSeen = new TestpmdPeerTest.RecordingListener(second);
                    ours = mode.start(sock, secondSeen);
                    if (packed) {
                        TestFiles.waitFor(() -> backend.counters().lostRingPositions() == 2, "both positions counted lost: "
                                + backend.counters());
                        assertEquals(DEVICE_NEEDS_RESET, device.status() & DEVICE_NEEDS_RESET, "the device asks for a reset");
                        assertTrue(sink.configChanges.get() > 0, "with a configuration interrupt");
                        assertFalse(second.ready(0), "no stale position was handed to the new back-end");
                        assertEquals(1, backend.counters().handovers());
                        // The driver resets the device: the rings are taken back where they were handed over
                        // (nobody can say more), and start afresh on the new back-end.
                        device.writeStatus(0);
                        assertArrayEquals(new int[] {0x8000, 0x8000}, device.lastStoppedAvailIdx());
                        nic.resetRings();
                        nic.postAllRx();
                        driverOk(device, nic, true);
                    }
                    TestFiles.waitFor(() -> second.ready(0), "the new back-end got the rings: " + backend.counters());
                    // The rings run as soon as the last hand-over message lands, a moment before the
                    // front-end's thread counts the hand-over: wait for the count, do not race it.
                    TestFiles.waitFor(() -> backend.counters().handovers() == 2, "the second hand-over was counted");
                    secondSeen.assertRingKind(packed, "the new back-end's SET_FEATURES");
                    // Split: from the used indices the lost back-end left (one RX buffer, one TX chain); packed: fresh.
                    int resumed = packed ? 0x8000 : 1;
                    assertArrayEquals(new int[] {resumed, resumed}, secondSeen.startedAt, "where the new back-end started");
                    exchange(nic, second, sink, 2);

                    device.writeStatus(0);
                    assertEquals(0, device.status());
                    // GET_VRING_BASE: the back-ends popped one RX buffer and one TX chain per exchange
                    // since the rings started (packed: slot 1 of the first lap, wrap counter 1).
                    int stopped = packed ? 0x8001 : 2;
                    assertArrayEquals(new int[] {stopped, stopped}, device.lastStoppedAvailIdx());
                    assertFalse(second.ready(0), "the rings are stopped at the back-end");
                    assertFalse(backend.handedOver());
                }
                assertEquals(0, backend.counters().failedHandshakes(), backend.counters().toString());
                assertEquals(packed ? 2 : 0, backend.counters().lostRingPositions(), backend.counters().toString());
                assertTrue(backend.counters().relayedInterrupts() >= 2, backend.counters().toString());
            } finally {
                ours.close();
            }
        }
        // Sockets, relay eventfds, epoll fds, guest memory: everything both ends opened is closed.
        TestFiles.waitFor(() -> TestFiles.openFds() == fds, "fds back to " + fds);
    }

    /** queues=2: four rings handed over (the back-end's GET_QUEUE_NUM allows it), a frame per pair each way on its own rings. */
    @Test
    void twoQueuePairsAreHandedOverAndEachPairCarriesItsOwnFrames() throws Exception {
        Path sock = dir.resolve("mq.sock");
        VhostUserNetPort port = new VhostUserNetPort(2, 9000);
        List<EventfdNotifier> calls = new ArrayList<>();
        try (GuestNic nic = new GuestNic(GuestNic.QSIZE, 2);
             VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(2), () -> port);
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",queues=2,reconnect=20ms")) {
            TestFiles.waitFor(backend::connected, "connected");
            List<DataQueue> queues = new ArrayList<>();
            for (int q = 0; q < 4; q++) {
                calls.add(EventfdNotifier.create());
                queues.add(new DataQueue(q, nic.layout(q), nic.kickNotifier(q), calls.get(q), 0, 0));
            }
            nic.postAllRx();
            backend.start(new NetDataPlane(nic.memory(), Features.of(VERSION_1), queues, null, i -> { }));
            TestFiles.waitFor(() -> port.ready(0) && port.ready(1), "both pairs run");
            for (int pair = 0; pair < 2; pair++) {
                byte[] out = GuestNic.frame(90 + pair, pair);
                assertTrue(nic.transmit(pair, out));
                nic.kickTx(pair);
                List<byte[]> got = new ArrayList<>();
                int p = pair;
                TestFiles.waitFor(() -> port.receive(p, (buf, off, len) -> got.add(GuestNic.bytes(buf, off, len)), 32) > 0,
                        "pair " + pair + "'s frame reached the back-end");
                assertArrayEquals(out, got.get(0));
                assertEquals(0, port.receive(1 - pair, (buf, off, len) -> got.add(null), 32), "nothing on the other pair");

                byte[] in = GuestNic.frame(120 + pair, 50 + pair);
                assertEquals(1, port.send(pair, new MemorySegment[] {MemorySegment.ofArray(in)}, new long[] {in.length}, 1));
                List<byte[]> delivered = new ArrayList<>();
                assertEquals(0, nic.receive(1 - pair, (seg, len) -> delivered.add(null)), "nothing in the other pair's RX ring");
                assertEquals(1, nic.receive(pair, (seg, len) -> delivered.add(GuestNic.payload(seg, len))));
                assertArrayEquals(in, delivered.get(0));
                assertEquals(1, TestFiles.awaitSignals(calls.get(2 * pair)::consume, 1), "the back-end signalled pair " + pair + "'s RX call fd itself");
            }
            assertArrayEquals(new int[] {1, 1, 1, 1}, backend.stop());
        } finally {
            calls.forEach(EventfdNotifier::close);
        }
    }

    /** Started with nobody there: the rings go to the first back-end that comes, from the bases the device gave. */
    @Test
    void aStartBeforeAnyBackEndHandsTheRingsToTheFirstThatComes() throws Exception {
        Path sock = dir.resolve("late.sock");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        try (GuestNic nic = new GuestNic();
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",reconnect=20ms");
             EventfdNotifier rxCall = EventfdNotifier.create();
             EventfdNotifier txCall = EventfdNotifier.create()) {
            List<DataQueue> queues = List.of(new DataQueue(0, nic.layout(0), nic.kickNotifier(0), rxCall, 0, 0),
                    new DataQueue(1, nic.layout(1), nic.kickNotifier(1), txCall, 0, 0));
            byte[] early = GuestNic.frame(80, 7);
            assertTrue(nic.transmit(early));
            nic.kickTx(); // queued before any back-end exists
            backend.start(new NetDataPlane(nic.memory(), Features.of(VERSION_1), queues, null, i -> { }));
            assertFalse(backend.handedOver(), "nobody to hand them to yet");
            try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> port)) {
                TestFiles.waitFor(() -> port.ready(0), "the late back-end got the rings");
                assertTrue(backend.handedOver());
                List<byte[]> got = new ArrayList<>();
                TestFiles.waitFor(() -> port.receive(0, (buf, off, len) -> got.add(GuestNic.bytes(buf, off, len)), 32) > 0,
                        "the frame queued before it came");
                assertArrayEquals(early, got.get(0));
                assertArrayEquals(new int[] {0, 1}, backend.stop());
            }
            assertEquals(1, backend.counters().handovers());
        }
    }

    @Test
    void aBackEndLackingANegotiatedFeatureRefusesTheStartNamingTheBits() throws Exception {
        Path sock = dir.resolve("lacking.sock");
        // A back-end without MRG_RXBUF; the plane (as a device started before it connected might) has it.
        BackendConfig plain = new BackendConfig(BackendConfig.VIRTIO_F_VERSION_1, ProtocolFeature.IMPLEMENTED, 1, 32);
        try (GuestNic nic = new GuestNic();
             VhostUserServer server = VhostUserServer.listen(sock, plain, () -> RingListener.NONE);
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",reconnect=20ms");
             EventfdNotifier rxCall = EventfdNotifier.create();
             EventfdNotifier txCall = EventfdNotifier.create()) {
            TestFiles.waitFor(backend::connected, "connected");
            assertEquals(Features.of(VERSION_1), backend.supportedFeatures());
            List<DataQueue> queues = List.of(new DataQueue(0, nic.layout(0), nic.kickNotifier(0), rxCall, 0, 0),
                    new DataQueue(1, nic.layout(1), nic.kickNotifier(1), txCall, 0, 0));
            NetDataPlane plane = new NetDataPlane(nic.memory(), Features.of(VERSION_1, NET_MRG_RXBUF), queues, null, i -> { });
            VhostUserException e = assertThrows(VhostUserException.class, () -> backend.start(plane));
            assertTrue(e.getMessage().contains("0x8000"), e.getMessage());
            assertEquals(1, backend.counters().failedHandshakes());
            assertFalse(backend.handedOver());
            // The refusal left the backend startable: without the missing bit the rings go over.
            NetDataPlane fine = new NetDataPlane(nic.memory(), Features.of(VERSION_1), queues, null, i -> { });
            backend.start(fine);
            assertTrue(backend.handedOver());
            assertArrayEquals(new int[] {0, 0}, backend.stop());
            assertEquals(0, backend.counters().relayedInterrupts(), "calls with fds are handed over, not relayed");
        }
    }

    /** Both socket roles of the front-end, each with split rings and with packed rings. */
    static Stream<Arguments> modesAndRings() {
        return Stream.of(FrontendConfig.Mode.values()).flatMap(m -> Stream.of(Arguments.of(m, false), Arguments.of(m, true)));
    }

    /**
     * Packed rings handed over at their fresh position (SET_FEATURES with RING_PACKED, SET_VRING_BASE
     * 0x8000), and a back-end whose GET_VRING_BASE names a slot past the ring's end: counted, each
     * ring taken back at the position it was handed over at, no exception out of stop.
     */
    @Test
    void aPackedRingBaseNamingNoSlotIsCountedAndTheKnownPositionTaken() throws Exception {
        Path sock = dir.resolve("badbase.sock");
        RecordingListener listener = new RecordingListener();
        listener.stopIndex = 0x8000 | GuestNic.QSIZE; // slot 256 of a 256-slot ring
        try (GuestNic nic = GuestNic.packed(GuestNic.QSIZE, 1);
             VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> listener);
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",reconnect=20ms");
             EventfdNotifier rxCall = EventfdNotifier.create();
             EventfdNotifier txCall = EventfdNotifier.create()) {
            TestFiles.waitFor(backend::connected, "connected");
            assertTrue(RING_PACKED.in(backend.supportedFeatures()), "our back-end offers packed rings");
            List<DataQueue> queues = new ArrayList<>();
            for (int q = 0; q < 2; q++) {
                int fresh = DeviceQueue.freshPosition(nic.layout(q));
                queues.add(new DataQueue(q, nic.layout(q), nic.kickNotifier(q), q == 0 ? rxCall : txCall, fresh, fresh));
            }
            backend.start(new NetDataPlane(nic.memory(), Features.of(VERSION_1, RING_PACKED), queues, null, i -> { }));
            TestFiles.waitFor(() -> listener.events.contains("start 1 base 32768"), "both rings started at 0x8000: " + listener.events);
            assertTrue(listener.events.contains("start 0 base 32768"), listener.events.toString());
            assertTrue(RING_PACKED.in(listener.features), "SET_FEATURES carried RING_PACKED: 0x" + Long.toHexString(listener.features));
            assertArrayEquals(new int[] {0x8000, 0x8000}, backend.stop());
            assertEquals(2, backend.counters().badRingBases(), backend.counters().toString());
            assertFalse(backend.handedOver());
        }
    }

    /** {@code packed=false}: the device is offered split rings only, and a plane with packed rings is refused naming the option. */
    @Test
    void packedFalseKeepsTheDeviceToSplitRings() throws Exception {
        Path sock = dir.resolve("split.sock");
        try (GuestNic nic = GuestNic.packed(GuestNic.QSIZE, 1);
             VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> RingListener.NONE);
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",packed=false");
             EventfdNotifier rxCall = EventfdNotifier.create();
             EventfdNotifier txCall = EventfdNotifier.create()) {
            TestFiles.waitFor(backend::connected, "connected");
            assertEquals(BackendConfig.net(1).offeredFeatures() & VhostUserNetBackend.CARRIED_FEATURES & ~RING_PACKED.mask(),
                    backend.supportedFeatures());
            List<DataQueue> queues = List.of(new DataQueue(0, nic.layout(0), nic.kickNotifier(0), rxCall, 0x8000, 0x8000),
                    new DataQueue(1, nic.layout(1), nic.kickNotifier(1), txCall, 0x8000, 0x8000));
            NetDataPlane plane = new NetDataPlane(nic.memory(), Features.of(VERSION_1, RING_PACKED), queues, null, i -> { });
            VhostUserException e = assertThrows(VhostUserException.class, () -> backend.start(plane));
            assertTrue(e.getMessage().contains("packed=false"), e.getMessage());
            assertFalse(backend.handedOver());
        }
    }

    /**
     * DPDK's net_vhost (testpmd, io forwarding on one port: every frame goes back out where it came
     * in) as the device's back-end, in both socket roles and with both ring kinds: every frame the
     * driver transmits comes back into its RX ring in order and byte-exact, with the interrupts
     * relayed, DPDK's vhost library logs the ring kind negotiated (bit 34), and a reset takes the
     * rings back from DPDK.
     */
    @NeedsPeer
    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("modesAndRings")
    void aDeviceWithTestpmdNetVhostAsItsBackendGetsEveryFrameEchoed(FrontendConfig.Mode mode, boolean packed) throws Exception {
        Testpmd.require();
        Path sock = dir.resolve("dpdk.sock");
        String netVhost = "net_vhost0,iface=" + sock + ",queues=1" + (mode == FrontendConfig.Mode.SERVER ? ",client=1" : "");
        String spec = "vhost-user:path=" + sock + ",mode=" + mode.name().toLowerCase(java.util.Locale.ROOT) + ",reconnect=100ms";
        CountingSink sink = new CountingSink();
        try (GuestNic nic = packed ? GuestNic.packed(GuestNic.QSIZE, 1) : new GuestNic();
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open(spec);
             Testpmd testpmd = Testpmd.start(dir, "vu-dev", netVhost, "io");
             EventfdNotifier controlKick = EventfdNotifier.create()) {
            testpmd.waitFor(backend::connected, PEER_STARTUP, "testpmd's net_vhost never connected");
            Iterator<EventNotifier> kicks = List.<EventNotifier>of(nic.kickNotifier(0), nic.kickNotifier(1), controlKick).iterator();
            try (VirtioNetDevice device = new VirtioNetDevice(
                    new NetDeviceConfig(MacAddress.parse(GUEST_MAC), 1500, 1, GuestNic.QSIZE, backend), nic.memory(), kicks::next)) {
                device.attach(sink);
                assertTrue(RING_PACKED.in(device.offeredFeatures()), "net_vhost offers packed rings, so the device does");
                nic.postAllRx();
                // Hand the rings over once testpmd forwards: net_vhost 22.11 (client=1) given its rings
                // while its port is still starting receives but never transmits on them.
                testpmd.waitForLog("start packet forwarding", PEER_STARTUP);
                driverOk(device, nic, packed);
                assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, device.status(), "the backend started");
                testpmd.waitForLog("Port 0: link state change event", PEER_STARTUP);
                long dpdkFeatures = testpmd.negotiatedFeatures();
                assertEquals(packed, dpdkFeatures != -1 && RING_PACKED.in(dpdkFeatures),
                        "VIRTIO_F_RING_PACKED as DPDK logged the negotiation: 0x" + Long.toHexString(dpdkFeatures) + "\n" + testpmd.tail());

                GuestFlow echo = new GuestFlow(nic, nic);
                long deadline = System.nanoTime() + PEER_STARTUP.toNanos();
                while (echo.arrived < 2000 && System.nanoTime() < deadline) {
                    if (echo.pump() == 0) {
                        Thread.sleep(1);
                    }
                }
                System.out.println(mode + (packed ? " packed" : " split") + ": device -> vhost-user: -> testpmd net_vhost io -> device: " + echo);
                assertTrue(echo.arrived >= 2000, echo + "\n" + testpmd.tail());
                assertEquals(0, echo.bad, "frames altered on the way: " + echo);
                assertTrue(sink.used.get(0) > 0, "DPDK's RX interrupts reached the device through the relay");

                device.writeStatus(0);
                int[] bases = device.lastStoppedAvailIdx();
                // GET_VRING_BASE from DPDK: it filled at least the RX buffers we took, took at most what we sent
                // (one descriptor per frame, so on a packed ring that many slots on from 0x8000).
                for (int base : bases) {
                    assertTrue(positionWithin(base, echo.arrived, echo.sent, packed), Integer.toHexString(base) + " " + echo);
                }
                assertFalse(backend.handedOver());
                assertEquals(0, backend.counters().badRingBases(), backend.counters().toString());
            }
            assertEquals(0, backend.counters().failedHandshakes(), backend.counters().toString());
        }
    }

    /**
     * Whether {@code base} is where a ring stands after some count of one-descriptor chains in
     * {@code [min, max]}: that count modulo 2^16 on a split ring; on a packed ring of
     * {@link GuestNic#QSIZE} slots, the slot that many on from slot 0 with the wrap counter of its lap.
     */
    private static boolean positionWithin(int base, int min, int max, boolean packed) {
        for (int n = min; n <= max; n++) {
            int position = packed ? (n % GuestNic.QSIZE) | ((n / GuestNic.QSIZE) % 2 == 0 ? 0x8000 : 0) : n & 0xFFFF;
            if (position == base) {
                return true;
            }
        }
        return false;
    }

    /** The driver's side of the start: features (VERSION_1, with {@code packed} RING_PACKED too), both rings, DRIVER_OK. */
    private static void driverOk(VirtioNetDevice device, GuestNic nic, boolean packed) {
        device.writeStatus(ACKNOWLEDGE);
        device.writeStatus(ACKNOWLEDGE | DRIVER);
        long acked = packed ? Features.of(VERSION_1, RING_PACKED) : Features.of(VERSION_1);
        assertTrue(device.driverFeatures(0, (int) acked));
        assertTrue(device.driverFeatures(1, (int) (acked >>> 32)));
        device.writeStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK);
        for (int q = 0; q < 2; q++) {
            QueueLayout layout = nic.layout(q);
            assertTrue(device.queueSize(q, layout.size()));
            address(device, q, QueueSetup.Part.DESC, layout.descAddr());
            address(device, q, QueueSetup.Part.DRIVER, layout.availAddr());
            address(device, q, QueueSetup.Part.DEVICE, layout.usedAddr());
            assertTrue(device.queueReady(q, true));
        }
        device.writeStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertEquals(packed, RING_PACKED.in(device.negotiatedFeatures()), "the ring kind the device negotiated");
    }

    private static void address(VirtioNetDevice device, int index, QueueSetup.Part part, long address) {
        assertTrue(device.queueAddress(index, part, false, (int) address));
        assertTrue(device.queueAddress(index, part, true, (int) (address >>> 32)));
    }

    /** One frame each way: the driver's arrives at the port byte-exact, the port's in the driver's RX ring with an interrupt. */
    private static void exchange(GuestNic nic, VhostUserNetPort port, CountingSink sink, int seed) throws InterruptedException {
        byte[] out = GuestNic.frame(100 + seed, seed);
        assertTrue(nic.transmit(out));
        nic.kickTx();
        List<byte[]> got = new ArrayList<>();
        TestFiles.waitFor(() -> port.receive(0, (buf, off, len) -> got.add(GuestNic.bytes(buf, off, len)), 32) > 0 || !got.isEmpty(),
                "the transmitted frame reached the back-end");
        assertEquals(1, got.size());
        assertArrayEquals(out, got.get(0));
        TestFiles.waitFor(() -> nic.reclaimTx() == 1, "the TX chain came back");

        long interrupts = sink.used.get(0);
        byte[] in = GuestNic.frame(200 + seed, 100 + seed);
        assertEquals(1, port.send(0, new MemorySegment[] {MemorySegment.ofArray(in)}, new long[] {in.length}, 1));
        TestFiles.waitFor(() -> sink.used.get(0) > interrupts, "the RX interrupt was relayed to the device");
        List<byte[]> delivered = new ArrayList<>();
        assertEquals(1, nic.receive((seg, len) -> delivered.add(GuestNic.payload(seg, len))));
        assertArrayEquals(in, delivered.get(0));
    }

    @Test
    void guestMemoryWithoutAnFdIsRefusedAtStartNamingTheCure() throws Exception {
        Path sock = dir.resolve("nofd.sock");
        try (VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            GuestMemory anonymous = GuestMemory.of(new GuestRegion(0, arena.allocate(1 << 20, 4096), -1, 0));
            QueueLayout layout = QueueLayout.contiguous(256, 0x1000, false, false);
            DataQueue rx = new DataQueue(0, layout, new InMemoryNotifier(), new InMemoryNotifier(), 0, 0);
            DataQueue tx = new DataQueue(1, QueueLayout.contiguous(256, 0x10000, false, false), new InMemoryNotifier(),
                    new InMemoryNotifier(), 0, 0);
            NetDataPlane plane = new NetDataPlane(anonymous, Features.of(VERSION_1), List.of(rx, tx), null, i -> { });
            VhostUserException e = assertThrows(VhostUserException.class, () -> backend.start(plane));
            assertTrue(e.getMessage().contains("MemfdGuestMemory"), e.getMessage());
            assertFalse(backend.handedOver());
        }
    }
}
