package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.FrameHandler;
import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.protocol.VringState;
import io.virtio4j.vhostuser.transport.UnixListener;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.testing.NeedsPeer;

import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real peer: DPDK's testpmd. As the front-end, a {@code net_virtio_user} port (the user-space virtio
 * driver of a real stack) against our back-end, in both socket roles; as the back-end, {@code
 * net_vhost} ports driven by our front-end, in both socket roles. Bounded in time; testpmd is always
 * stopped.
 */
@NeedsPeer
class TestpmdPeerTest {
    private static final Duration RUN = Duration.ofSeconds(3);
    /** Frames a one-way test waits for even when RUN is over (the 2 cores are shared with other builds). */
    private static final long MIN_FRAMES = 50_000;
    private static final long LOOP_MIN_FRAMES = 100_000;
    private static final Duration LOOP = Duration.ofSeconds(10);
    private static final Duration STARTUP = Duration.ofSeconds(30);
    /**
     * Frames one side may have counted and the other not when testpmd stops: a 256-entry ring plus
     * the bursts its PMD took off the ring but the forwarding core had not counted yet.
     */
    private static final int IN_FLIGHT = 512;

    @TempDir
    Path dir;

    /**
     * testpmd's net_virtio_user port facing our back-end in {@code role}: it listens ({@code server=1})
     * when we connect; with {@code packed} it asks for packed rings ({@code packed_vq=1}).
     */
    private static String virtioUser(OurBackend role, Path sock, boolean packed) {
        return virtioUser(role, sock, packed, 256);
    }

    /** As above with rings of {@code queueSize} descriptors. */
    private static String virtioUser(OurBackend role, Path sock, boolean packed, int queueSize) {
        return "net_virtio_user0,path=" + sock + ",queues=1,queue_size=" + queueSize + (role == OurBackend.CLIENT ? ",server=1" : "")
                + (packed ? ",packed_vq=1" : "");
    }

    /** Both socket roles, each with split rings and with packed rings (issue 14). */
    static Stream<Arguments> rolesAndRings() {
        return Stream.of(Arguments.of(OurBackend.SERVER, false), Arguments.of(OurBackend.CLIENT, false),
                Arguments.of(OurBackend.SERVER, true), Arguments.of(OurBackend.CLIENT, true));
    }

    /**
     * The port as the session sees it, recording what the front-end negotiated, the base each ring
     * started from and the base each GET_VRING_BASE reported, so a test can prove the ring kind it
     * ran on and where a ring resumed.
     */
    static final class RecordingListener implements RingListener {
        private final VhostUserNetPort port;
        volatile long features;
        final int[] startedAt = {-1, -1};
        final int[] stoppedAt = {-1, -1};

        RecordingListener(VhostUserNetPort port) {
            this.port = port;
        }

        @Override
        public void ringStarted(VringState ring, GuestMemory memory, long negotiated) {
            features = negotiated;
            if (ring.index() < startedAt.length) {
                startedAt[ring.index()] = ring.base();
            }
            port.ringStarted(ring, memory, negotiated);
        }

        @Override
        public int ringStopped(VringState ring) {
            int base = port.ringStopped(ring);
            if (ring.index() < stoppedAt.length) {
                stoppedAt[ring.index()] = base;
            }
            return base;
        }

        @Override
        public void announce(byte[] mac) {
            port.announce(mac);
        }

        @Override
        public void abandonBursts() {
            port.abandonBursts();
        }

        void assertRingKind(boolean packed, String log) {
            assertEquals(packed, (features & BackendConfig.VIRTIO_F_RING_PACKED) != 0,
                    "VIRTIO_F_RING_PACKED negotiated: features 0x" + Long.toHexString(features) + "\n" + log);
        }
    }

    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("rolesAndRings")
    void testpmdTxonlyFramesAreReceived(OurBackend role, boolean packed) throws Exception {
        txonlyFramesAreReceived(role, packed, 256);
    }

    /**
     * A packed ring's size need not be a power of two (spec 2.8): testpmd's virtio-user asks for
     * 96 descriptors with packed rings (its RX free threshold, a quarter of the ring, must be a
     * multiple of four), and every frame of its txonly run arrives intact.
     */
    @Test
    void testpmdTxonlyOnPackedRingsOf96DescriptorsIsReceived() throws Exception {
        txonlyFramesAreReceived(OurBackend.SERVER, true, 96);
    }

    private void txonlyFramesAreReceived(OurBackend role, boolean packed, int queueSize) throws Exception {
        Path sock = dir.resolve("tx.sock");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        RecordingListener recorder = new RecordingListener(port);
        TxonlyChecker checker = new TxonlyChecker();
        try (SessionLoop backend = role.start(sock, recorder);
             Testpmd testpmd = Testpmd.start(dir, "vu-tx", virtioUser(role, sock, packed, queueSize), "txonly")) {
            // RUN seconds of traffic, longer if the shared cores are so busy that MIN_FRAMES have not come.
            long deadline = System.nanoTime() + STARTUP.toNanos();
            long stop = System.nanoTime() + RUN.toNanos();
            while (System.nanoTime() < deadline && (System.nanoTime() < stop || checker.frames < MIN_FRAMES) && testpmd.isAlive()) {
                if (port.receive(0, checker, 32) == 0) {
                    Thread.onSpinWait();
                }
            }
            testpmd.close();
            long received = checker.frames;
            long transmitted = testpmd.maxCounter(Testpmd.TX_PACKETS);
            recorder.assertRingKind(packed, testpmd.tail());
            System.out.println(role + (packed ? " packed" : " split") + " of " + queueSize + ": testpmd txonly -> our backend: " + received + " frames; testpmd reported "
                    + transmitted + " transmitted, best Tx-pps " + testpmd.maxCounter(Testpmd.TX_PPS));
            assertTrue(received >= MIN_FRAMES, "only " + received + " frames; testpmd log:\n" + testpmd.tail());
            // testpmd prints its final stats on SIGTERM: we got what it sent, minus what was in flight.
            assertTrue(received <= transmitted && transmitted - received <= IN_FLIGHT,
                    "received " + received + " of " + transmitted + "\n" + testpmd.tail());
            checker.assertTestpmdTemplate();
            assertEquals(0, checker.different, "every frame is txonly's one template, byte for byte");
            assertEquals(0, backend.counters().disconnects(), testpmd.tail());
        }
    }

    /**
     * txonly sends copies of one 64-byte template (Ethernet, IPv4 198.18.0.1 to 198.18.0.2, UDP
     * port 9 to 9, testpmd's defaults without --txonly-multi-flow): the first frame is checked
     * against it, every later one must equal the first byte for byte. No allocation per frame.
     */
    private static final class TxonlyChecker implements FrameHandler {
        private static final int FRAME = 64;
        private final MemorySegment first = Arena.ofAuto().allocate(FRAME);
        long frames;
        long different;

        @Override
        public void frame(MemorySegment buffer, long offset, long length) {
            if (frames++ == 0 && length == FRAME) {
                MemorySegment.copy(buffer, offset, first, 0, FRAME);
            } else if (length != FRAME || MemorySegment.mismatch(buffer, offset, offset + FRAME, first, 0, FRAME) != -1) {
                different++;
            }
        }

        void assertTestpmdTemplate() {
            ValueLayout.OfShort be16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            ValueLayout.OfInt be32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            assertEquals((short) 0x0800, first.get(be16, 12), "ethertype IPv4");
            assertEquals(17, first.get(ValueLayout.JAVA_BYTE, 14 + 9), "IP protocol UDP");
            assertEquals((198 << 24) | (18 << 16) | 1, first.get(be32, 14 + 12), "source 198.18.0.1");
            assertEquals((198 << 24) | (18 << 16) | 2, first.get(be32, 14 + 16), "destination 198.18.0.2");
            assertEquals((short) 9, first.get(be16, 34), "UDP source port");
            assertEquals((short) 9, first.get(be16, 36), "UDP destination port");
        }
    }

    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("rolesAndRings")
    void framesWeSendAreCountedByTestpmdRxonly(OurBackend role, boolean packed) throws Exception {
        Path sock = dir.resolve("rx.sock");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        RecordingListener recorder = new RecordingListener(port);
        long sent = 0;
        try (SessionLoop backend = role.start(sock, recorder);
             Arena arena = Arena.ofConfined();
             Testpmd testpmd = Testpmd.start(dir, "vu-rx", virtioUser(role, sock, packed), "rxonly")) {
            MemorySegment frame = arena.allocate(64);
            frame.fill((byte) 0xFF); // broadcast destination, any payload
            frame.asSlice(6, 6).fill((byte) 0x02);
            MemorySegment[] frames = new MemorySegment[32];
            long[] lengths = new long[32];
            Arrays.fill(frames, frame);
            Arrays.fill(lengths, 64);
            testpmd.waitFor(() -> port.ready(0), STARTUP, "testpmd never started its rings");
            long deadline = System.nanoTime() + STARTUP.toNanos();
            long stop = System.nanoTime() + RUN.toNanos();
            while (System.nanoTime() < deadline && (System.nanoTime() < stop || sent < MIN_FRAMES) && testpmd.isAlive()) {
                int n = port.send(0, frames, lengths, 32);
                sent += n;
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
            testpmd.close(); // its final statistics count everything it took from the ring
            long counted = testpmd.maxCounter(Testpmd.RX_PACKETS);
            recorder.assertRingKind(packed, testpmd.tail());
            System.out.println(role + (packed ? " packed" : " split") + ": our backend -> testpmd rxonly: sent " + sent + ", testpmd counted " + counted
                    + ", best Rx-pps " + testpmd.maxCounter(Testpmd.RX_PPS));
            assertTrue(sent >= MIN_FRAMES, "only " + sent + " frames sent; testpmd log:\n" + testpmd.tail());
            assertTrue(counted <= sent && sent - counted <= IN_FLIGHT, "testpmd counted " + counted + " of " + sent + "\n" + testpmd.tail());
        }
    }

    /**
     * The io-forward loop: our back-end sends sequence-numbered frames into testpmd's RX ring, testpmd
     * forwards each back out of the same port, our back-end takes it from the TX ring. For 10 s, with
     * at most {@link LoopTraffic#WINDOW} frames in flight (less than a ring, so no side may drop): every frame
     * comes back, in order, byte-exact, and testpmd's own counters agree.
     */
    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("rolesAndRings")
    void ioForwardLoopRunsTenSecondsWithoutLoss(OurBackend role, boolean packed) throws Exception {
        Path sock = dir.resolve("loop.sock");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        RecordingListener recorder = new RecordingListener(port);
        try (SessionLoop backend = role.start(sock, recorder);
             LoopTraffic traffic = new LoopTraffic();
             Testpmd testpmd = Testpmd.start(dir, "vu-io", virtioUser(role, sock, packed), "io")) {
            testpmd.waitFor(() -> port.ready(0), STARTUP, "testpmd never started its rings");
            testpmd.waitForLog("start packet forwarding", STARTUP);
            // 10 s of traffic, longer (up to STARTUP) if the shared cores are too busy for LOOP_MIN_FRAMES.
            long stop = System.nanoTime() + LOOP.toNanos();
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (System.nanoTime() < deadline && (System.nanoTime() < stop || traffic.sent < LOOP_MIN_FRAMES) && testpmd.isAlive()) {
                traffic.pump(port);
            }
            long drainUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (traffic.inFlight() > 0 && System.nanoTime() < drainUntil) {
                traffic.drain(port);
            }
            Thread.sleep(1500); // one more stats period with nothing moving
            testpmd.close();
            long testpmdRx = testpmd.maxCounter(Testpmd.RX_PACKETS);
            long testpmdTx = testpmd.maxCounter(Testpmd.TX_PACKETS);
            recorder.assertRingKind(packed, testpmd.tail());
            System.out.println(role + (packed ? " packed" : " split") + ": io loop through testpmd for " + LOOP.toSeconds() + " s: sent " + traffic.sent
                    + ", back " + traffic.checker.received + "; testpmd rx " + testpmdRx + " tx " + testpmdTx);
            assertEquals(0, traffic.checker.bad, "frames out of order or altered\n" + testpmd.tail());
            assertEquals(traffic.sent, traffic.checker.received, "frames lost\n" + testpmd.tail());
            assertTrue(traffic.sent >= LOOP_MIN_FRAMES, "only " + traffic.sent + " frames\n" + testpmd.tail());
            assertEquals(traffic.sent, testpmdRx, "testpmd received what we sent");
            assertEquals(traffic.sent, testpmdTx, "testpmd forwarded everything it received");
            assertEquals(0, port.dropped());
            assertEquals(0, backend.counters().disconnects());
        }
    }

    /** Sequence-numbered 64-byte frames sent through a port and expected back from it, in order. */
    private static final class LoopTraffic implements AutoCloseable {
        static final int FRAME = 64;
        static final int WINDOW = 128;
        static final int BURST = 32;
        private static final ValueLayout.OfLong SEQ = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        private static final long SEQ_OFFSET = 14;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment[] frames = new MemorySegment[BURST];
        private final long[] lengths = new long[BURST];
        final SequenceChecker checker = new SequenceChecker();
        long sent;

        LoopTraffic() {
            for (int i = 0; i < BURST; i++) {
                frames[i] = arena.allocate(FRAME);
                frames[i].asSlice(0, 6).fill((byte) 0xFF);
                frames[i].asSlice(6, 6).fill((byte) 0x02);
                frames[i].set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 12, (short) 0x88B5);
                lengths[i] = FRAME;
            }
        }

        long inFlight() {
            return sent - checker.received;
        }

        /** Sends up to a burst (keeping the window), then takes what came back. */
        void pump(VhostUserNetPort port) {
            int burst = (int) Math.min(BURST, WINDOW - inFlight());
            for (int i = 0; i < burst; i++) {
                stamp(frames[i], sent + i);
            }
            if (burst > 0) {
                sent += port.send(0, frames, lengths, burst);
            }
            drain(port);
        }

        void drain(VhostUserNetPort port) {
            port.receive(0, checker, BURST);
        }

        static void stamp(MemorySegment frame, long seq) {
            frame.set(SEQ, SEQ_OFFSET, seq);
            for (long i = SEQ_OFFSET + 8; i < FRAME; i++) {
                frame.set(ValueLayout.JAVA_BYTE, i, (byte) (seq + i));
            }
        }

        @Override
        public void close() {
            arena.close();
        }

        /** Checks each returning frame is the next in sequence and unaltered; no allocation per frame. */
        private static final class SequenceChecker implements FrameHandler {
            long received;
            long bad;

            @Override
            public void frame(MemorySegment buffer, long offset, long length) {
                long seq = received++;
                boolean ok = length == FRAME && buffer.get(SEQ, offset + SEQ_OFFSET) == seq;
                for (long i = SEQ_OFFSET + 8; ok && i < FRAME; i++) {
                    ok = buffer.get(ValueLayout.JAVA_BYTE, offset + i) == (byte) (seq + i);
                }
                if (!ok) {
                    bad++;
                }
            }
        }
    }

    /** Who listens when testpmd's net_vhost ports are the back-end and our front-end drives them. */
    enum FrontendRole {
        /** testpmd's net_vhost listens; our front-end connects. */
        TESTPMD_SERVER(""),
        /** Our front-end listens; testpmd's net_vhost connects ({@code client=1}). */
        TESTPMD_CLIENT(",client=1");

        private final String option;

        FrontendRole(String option) {
            this.option = option;
        }

        String netVhost(int port, Path sock) {
            return "net_vhost" + port + ",iface=" + sock + ",queues=1" + option;
        }
    }

    /**
     * Our front-end hands two guest NICs' rings to two testpmd net_vhost ports forwarding between
     * each other (io): frames one NIC transmits arrive intact, in order, in the other NIC's RX ring,
     * both ways.
     */
    /** Both socket roles, each with split rings and with packed rings (our driver side against DPDK's vhost library). */
    static Stream<Arguments> frontendRolesAndRings() {
        return Stream.of(FrontendRole.values()).flatMap(r -> Stream.of(Arguments.of(r, false), Arguments.of(r, true)));
    }

    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("frontendRolesAndRings")
    void ourFrontendDrivesTestpmdNetVhostPortsThatForwardBetweenTwoGuests(FrontendRole role, boolean packed) throws Exception {
        Path sockA = dir.resolve("vhost-a.sock");
        Path sockB = dir.resolve("vhost-b.sock");
        try (PeerSockets sockets = role == FrontendRole.TESTPMD_CLIENT ? PeerSockets.listen(sockA, sockB) : PeerSockets.connect();
             Testpmd testpmd = Testpmd.start(dir, "vu-fe", List.of(role.netVhost(0, sockA), role.netVhost(1, sockB)), "io")) {
            try (VhostUserFrontend a = sockets.frontend(0, sockA, STARTUP);
                 VhostUserFrontend b = sockets.frontend(1, sockB, STARTUP);
                 GuestNic nicA = packed ? GuestNic.packed(GuestNic.QSIZE, 1) : new GuestNic();
                 GuestNic nicB = packed ? GuestNic.packed(GuestNic.QSIZE, 1) : new GuestNic()) {
                // Hand the rings over once testpmd forwards: net_vhost 22.11 given its rings while its
                // port is still starting receives but never transmits on them.
                testpmd.waitForLog("start packet forwarding", STARTUP);
                nicA.attach(a);
                nicB.attach(b);
                // net_vhost takes a port's rings asynchronously after the handshake: until both links
                // are up, frames forwarded to the other port are dropped there.
                testpmd.waitForLog("Port 0: link state change event", STARTUP);
                testpmd.waitForLog("Port 1: link state change event", STARTUP);
                GuestFlow ab = new GuestFlow(nicA, nicB);
                GuestFlow ba = new GuestFlow(nicB, nicA);
                long deadline = System.nanoTime() + RUN.toNanos();
                while (System.nanoTime() < deadline && (ab.arrived < 2000 || ba.arrived < 2000)) {
                    if (ab.pump() + ba.pump() == 0) {
                        Thread.sleep(1);
                    }
                }
                System.out.println(role + (packed ? " packed" : " split") + ": guest A -> testpmd net_vhost io -> guest B: "
                        + ab + "; B -> A: " + ba);
                for (GuestFlow flow : List.of(ab, ba)) {
                    assertTrue(flow.arrived >= 2000, flow + "\n" + testpmd.tail());
                    assertEquals(0, flow.bad, "frames that differ from what was sent: " + flow);
                }
            }
        }
    }

    /** Our front-end's sockets: connected to a listening peer, or accepted from one that connects. */
    private static final class PeerSockets implements AutoCloseable {
        private final UnixListener[] listeners;

        private PeerSockets(UnixListener... listeners) {
            this.listeners = listeners;
        }

        static PeerSockets connect() {
            return new PeerSockets();
        }

        static PeerSockets listen(Path... paths) {
            UnixListener[] l = new UnixListener[paths.length];
            for (int i = 0; i < paths.length; i++) {
                l[i] = UnixListener.bind(paths[i]);
            }
            return new PeerSockets(l);
        }

        /** The front-end for peer {@code i}: connects to {@code path}, or accepts on listener {@code i}, within {@code timeout}. */
        VhostUserFrontend frontend(int i, Path path, Duration timeout) throws Exception {
            if (listeners.length == 0) {
                return VhostUserFrontend.connect(path, timeout);
            }
            UnixListener listener = listeners[i];
            // accept blocks: a watchdog closes the listener if the peer never comes, which ends the accept.
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(timeout);
                    listener.close();
                } catch (InterruptedException e) {
                    // accepted in time
                }
            });
            try {
                return VhostUserFrontend.over(listener.accept());
            } finally {
                watchdog.interrupt();
            }
        }

        @Override
        public void close() {
            for (UnixListener l : listeners) {
                l.close();
            }
        }
    }
}
