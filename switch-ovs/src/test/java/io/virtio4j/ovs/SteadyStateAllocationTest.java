package io.virtio4j.ovs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.ovs.testing.ThreadMeasures;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.virtio4j.testing.Slow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No allocation per frame: guest A streams 64-byte frames through the switch to guest B; after a
 * warm-up of {@link #WARM_UP_FRAMES} frames (the JIT compiles the path, and only compiled code
 * has its temporaries scalar-replaced), the PMD thread's allocated-bytes counter (ThreadMXBean)
 * stays flat over a window of forwarding. Best of {@link #ROUNDS} one-second windows, as the
 * project's other allocation tests, so a late compilation on a loaded machine does not decide.
 */
@Slow
class SteadyStateAllocationTest {
    private static final long WARM_UP_FRAMES = 200_000;
    private static final int ROUNDS = 8;
    private static final Duration ROUND = Duration.ofSeconds(1);
    /**
     * Long enough that the PMD never sleeps between the driver's batches: this measures the
     * forwarding path. (A sleep's epoll_wait downcall allocates its errno-capture slice until C2
     * compiles it: per idle transition, not per frame.)
     */
    private static final Duration SPIN = Duration.ofMillis(500);

    @TempDir
    Path dir;

    /** Guest A's sender and guest B's receiver, driven by the test thread. */
    private static final class Stream {
        final GuestNic a;
        final GuestNic b;
        final byte[] frame;
        /** The virtio-net header A sends each frame behind, or null for a zeroed one. */
        final byte[] header;
        long sent;
        long received;

        Stream(GuestNic a, GuestNic b) {
            this(a, b, GuestNic.frame(64, 1), null);
        }

        Stream(GuestNic a, GuestNic b, byte[] frame, byte[] header) {
            this.a = a;
            this.b = b;
            this.frame = frame;
            this.header = header;
        }

        void runFor(long nanos) {
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
                step();
            }
        }

        void runUntil(long frames, Duration cap) {
            long end = System.nanoTime() + cap.toNanos();
            while (received < frames && System.nanoTime() < end) {
                step();
            }
        }

        private void step() {
            int queued = 0;
            while (sent - received < SwitchedGuests.WINDOW && (header == null ? a.transmit(frame) : a.transmit(0, header, frame))) {
                sent++;
                queued++;
            }
            if (queued > 0) {
                a.kickTx();
            }
            a.reclaimTx();
            received += b.receive((seg, len) -> { });
        }
    }

    @Test
    void thePmdThreadAllocatesNothingPerFrameWhileForwarding() throws Exception {
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b"}, new int[] {10, 10}, 1,
                TestPipelines::floodEverywhere, SPIN)) {
            assertSteady(s, new Stream(s.guest(0), s.guest(1)));
        }
    }

    /**
     * The offload paths allocate nothing per frame either: every frame a partial-checksum TCP
     * segment whose header the PMD reads and checks, carried over to b (which negotiated the
     * offloads) and completed in software for c (which did not).
     */
    @Test
    void checkingCarryingOverAndCompletingPartialChecksumsAllocateNothingPerFrame() throws Exception {
        List<PortSpec> ports = new ArrayList<>();
        for (String n : new String[] {"a", "b", "c"}) {
            ports.add(PortSpec.access(n, PortType.VHOST_USER_SERVER, dir.resolve(n + ".sock").toString(), 10));
        }
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports)).idleSpin(SPIN).start();
        long o = OffloadSwitchTest.OFFLOADS;
        try (SwitchedGuests s = new SwitchedGuests(sw, new long[] {o, o, OffloadSwitchTest.PLAIN})) {
            byte[] header = OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16);
            GuestNic c = s.guest(2);
            Stream stream = new Stream(s.guest(0), s.guest(1), TcpFrames.ipv4(14, true), header);
            // c receives the completed copies: drained beside b so its ring never fills.
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    if (c.receive((seg, len) -> { }) == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            try {
                assertSteady(s, stream);
            } finally {
                drain.interrupt();
                drain.join();
            }
        }
    }

    /** After the warm-up, the PMD's best one-second window allocates under 0.01 bytes per frame. */
    private static void assertSteady(SwitchedGuests s, Stream stream) {
        Thread pmd = s.sw.pmdThreads().get(0);
        stream.runUntil(WARM_UP_FRAMES, Duration.ofSeconds(60));
        long bestBytes = Long.MAX_VALUE;
        long bestFrames = 0;
        for (int round = 0; round < ROUNDS && bestBytes > 0; round++) {
            long bytesBefore = ThreadMeasures.allocatedBytes(pmd);
            PmdSnapshot before = s.sw.pmdStats().get(0);
            stream.runFor(ROUND.toNanos());
            long allocated = ThreadMeasures.allocatedBytes(pmd) - bytesBefore;
            PmdSnapshot after = s.sw.pmdStats().get(0);
            long frames = after.frames() - before.frames();
            System.out.printf("round %d: PMD forwarded %d frames, allocated %d bytes, %.0f busy ns/frame, %d sleeps%n",
                    round, frames, allocated, (double) (after.busyNanos() - before.busyNanos()) / frames,
                    after.sleeps() - before.sleeps());
            if (frames > 10_000 && allocated < bestBytes) {
                bestBytes = allocated;
                bestFrames = frames;
            }
        }
        assertTrue(bestFrames > 0, "no round forwarded enough frames to say anything");
        assertTrue((double) bestBytes / bestFrames < 0.01,
                "best round: " + bestBytes + " bytes allocated for " + bestFrames + " frames");
        assertEquals(0, s.sw.port("a").stats().dropped() + s.sw.port("b").stats().dropped());
    }
}
