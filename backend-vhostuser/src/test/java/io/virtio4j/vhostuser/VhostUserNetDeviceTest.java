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
import java.util.concurrent.atomic.AtomicLongArray;

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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.virtio4j.api.feature.VirtioFeature.NET_MRG_RXBUF;
import static io.virtio4j.api.feature.VirtioFeature.RING_EVENT_IDX;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;
import static io.virtio4j.api.status.DeviceStatus.ACKNOWLEDGE;
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
 * roles, frames both ways byte-exact, interrupts relayed to the device, reset takes the rings back,
 * and a back-end restart while started gets the rings again.
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

    /** Counts interrupts per queue, as a transport would raise them. */
    private static final class CountingSink implements InterruptSink {
        final AtomicLongArray used = new AtomicLongArray(3);

        @Override
        public void usedBuffer(int index) {
            used.incrementAndGet(index);
        }

        @Override
        public void configChanged() {
        }
    }

    @ParameterizedTest
    @EnumSource(OurBackend.class)
    void framesCrossBothWaysAndABackEndRestartWhileStartedGetsTheRingsAgain(OurBackend mode) throws Exception {
        Path sock = dir.resolve("dev.sock");
        VhostUserNetPort first = new VhostUserNetPort(1, 9000);
        CountingSink sink = new CountingSink();
        long fds = TestFiles.openFds();
        try (GuestNic nic = new GuestNic();
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open(spec(mode, sock));
             EventfdNotifier controlKick = EventfdNotifier.create()) {
            SessionLoop ours = mode.start(sock, first);
            try {
                TestFiles.waitFor(backend::connected, "the back-end connected");
                assertEquals(BackendConfig.net(1).offeredFeatures() & VhostUserNetBackend.CARRIED_FEATURES,
                        backend.supportedFeatures(), "asked the connected back-end");
                Iterator<EventNotifier> kicks = List.<EventNotifier>of(nic.kickNotifier(0), nic.kickNotifier(1), controlKick).iterator();
                try (VirtioNetDevice device = new VirtioNetDevice(
                        new NetDeviceConfig(MacAddress.parse(GUEST_MAC), 1500, 1, GuestNic.QSIZE, backend), nic.memory(), kicks::next)) {
                    device.attach(sink);
                    assertTrue(NET_MRG_RXBUF.in(device.offeredFeatures()) && RING_EVENT_IDX.in(device.offeredFeatures()));
                    nic.postAllRx();
                    driverOk(device, nic);
                    assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, device.status(), "the backend started");
                    assertTrue(backend.handedOver());
                    TestFiles.waitFor(() -> first.ready(0), "our back-end runs the rings");

                    exchange(nic, first, sink, 1);

                    // The back-end goes away while the device runs; a new one comes on the same path.
                    ours.close();
                    TestFiles.waitFor(() -> backend.counters().disconnects() == 1, "the disconnect was seen");
                    assertFalse(first.ready(0));
                    VhostUserNetPort second = new VhostUserNetPort(1, 9000);
                    ours = mode.start(sock, second);
                    TestFiles.waitFor(() -> second.ready(0), "the new back-end got the rings: " + backend.counters());
                    // The rings run as soon as the last hand-over message lands, a moment before the
                    // front-end's thread counts the hand-over: wait for the count, do not race it.
                    TestFiles.waitFor(() -> backend.counters().handovers() == 2, "the second hand-over was counted");
                    exchange(nic, second, sink, 2);

                    device.writeStatus(0);
                    assertEquals(0, device.status());
                    // GET_VRING_BASE: the back-ends popped one RX buffer and one TX chain per exchange.
                    assertArrayEquals(new int[] {2, 2}, device.lastStoppedAvailIdx());
                    assertFalse(second.ready(0), "the rings are stopped at the back-end");
                    assertFalse(backend.handedOver());
                }
                assertEquals(0, backend.counters().failedHandshakes(), backend.counters().toString());
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

    /**
     * DPDK's net_vhost (testpmd, io forwarding on one port: every frame goes back out where it came
     * in) as the device's back-end, in both socket roles: every frame the driver transmits comes back
     * into its RX ring in order and byte-exact, with the interrupts relayed, and a reset takes the
     * rings back from DPDK.
     */
    @NeedsPeer
    @ParameterizedTest
    @EnumSource(FrontendConfig.Mode.class)
    void aDeviceWithTestpmdNetVhostAsItsBackendGetsEveryFrameEchoed(FrontendConfig.Mode mode) throws Exception {
        Testpmd.require();
        Path sock = dir.resolve("dpdk.sock");
        String netVhost = "net_vhost0,iface=" + sock + ",queues=1" + (mode == FrontendConfig.Mode.SERVER ? ",client=1" : "");
        String spec = "vhost-user:path=" + sock + ",mode=" + mode.name().toLowerCase(java.util.Locale.ROOT) + ",reconnect=100ms";
        CountingSink sink = new CountingSink();
        try (GuestNic nic = new GuestNic();
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open(spec);
             Testpmd testpmd = Testpmd.start(dir, "vu-dev", netVhost, "io");
             EventfdNotifier controlKick = EventfdNotifier.create()) {
            testpmd.waitFor(backend::connected, PEER_STARTUP, "testpmd's net_vhost never connected");
            Iterator<EventNotifier> kicks = List.<EventNotifier>of(nic.kickNotifier(0), nic.kickNotifier(1), controlKick).iterator();
            try (VirtioNetDevice device = new VirtioNetDevice(
                    new NetDeviceConfig(MacAddress.parse(GUEST_MAC), 1500, 1, GuestNic.QSIZE, backend), nic.memory(), kicks::next)) {
                device.attach(sink);
                nic.postAllRx();
                // Hand the rings over once testpmd forwards: net_vhost 22.11 (client=1) given its rings
                // while its port is still starting receives but never transmits on them.
                testpmd.waitForLog("start packet forwarding", PEER_STARTUP);
                driverOk(device, nic);
                assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, device.status(), "the backend started");
                testpmd.waitForLog("Port 0: link state change event", PEER_STARTUP);

                GuestFlow echo = new GuestFlow(nic, nic);
                long deadline = System.nanoTime() + PEER_STARTUP.toNanos();
                while (echo.arrived < 2000 && System.nanoTime() < deadline) {
                    if (echo.pump() == 0) {
                        Thread.sleep(1);
                    }
                }
                System.out.println(mode + ": device -> vhost-user: -> testpmd net_vhost io -> device: " + echo);
                assertTrue(echo.arrived >= 2000, echo + "\n" + testpmd.tail());
                assertEquals(0, echo.bad, "frames altered on the way: " + echo);
                assertTrue(sink.used.get(0) > 0, "DPDK's RX interrupts reached the device through the relay");

                device.writeStatus(0);
                int[] bases = device.lastStoppedAvailIdx();
                // GET_VRING_BASE from DPDK: it filled at least the RX buffers we took, took at most what we sent.
                assertTrue(bases[0] >= echo.arrived && bases[0] <= echo.sent, java.util.Arrays.toString(bases) + " " + echo);
                assertTrue(bases[1] >= echo.arrived && bases[1] <= echo.sent, java.util.Arrays.toString(bases) + " " + echo);
                assertFalse(backend.handedOver());
            }
            assertEquals(0, backend.counters().failedHandshakes(), backend.counters().toString());
        }
    }

    /** The driver's side of the start: features, both rings, DRIVER_OK. */
    private static void driverOk(VirtioNetDevice device, GuestNic nic) {
        device.writeStatus(ACKNOWLEDGE);
        device.writeStatus(ACKNOWLEDGE | DRIVER);
        long acked = Features.of(VERSION_1);
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
