package io.virtio4j.ovs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No allocation per frame: guest A streams frames through the switch to guest B for a few seconds;
 * after a warm-up, the PMD thread's allocated-bytes counter (ThreadMXBean) stays flat while it
 * forwards hundreds of thousands of frames.
 */
class SteadyStateAllocationTest {
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    /**
     * Long enough that the PMD never sleeps between the driver's batches: this measures the
     * forwarding path. (A sleep's epoll_wait downcall allocates its errno-capture slice until C2
     * compiles it: per idle transition, not per frame.)
     */
    private static final Duration SPIN = Duration.ofMillis(500);
    private static final Duration MEASURE = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void thePmdThreadAllocatesNothingPerFrameWhileForwarding() throws Exception {
        try (SwitchedGuests s = new SwitchedGuests(dir, new String[] {"a", "b"}, new int[] {10, 10}, 1,
                TestPipelines::floodEverywhere, SPIN)) {
            GuestNic a = s.guest(0);
            GuestNic b = s.guest(1);
            Thread pmd = s.sw.pmdThreads().get(0);
            byte[] frame = GuestNic.frame(64, 1);
            long received = 0;
            long sent = 0;
            long phaseEnd = System.nanoTime() + WARM_UP.toNanos();
            long bytesBefore = 0;
            long framesBefore = 0;
            long sleepsBefore = 0;
            boolean measuring = false;
            while (true) {
                if (System.nanoTime() > phaseEnd) {
                    if (measuring) {
                        break;
                    }
                    measuring = true;
                    bytesBefore = ThreadMeasures.allocatedBytes(pmd);
                    framesBefore = s.sw.pmdStats().get(0).frames();
                    sleepsBefore = s.sw.pmdStats().get(0).sleeps();
                    phaseEnd = System.nanoTime() + MEASURE.toNanos();
                }
                int queued = 0;
                while (sent - received < SwitchedGuests.WINDOW && a.transmit(frame)) {
                    sent++;
                    queued++;
                }
                if (queued > 0) {
                    a.kickTx();
                }
                a.reclaimTx();
                received += b.receive((seg, len) -> { });
            }
            long allocated = ThreadMeasures.allocatedBytes(pmd) - bytesBefore;
            PmdSnapshot stats = s.sw.pmdStats().get(0);
            long frames = stats.frames() - framesBefore;
            double perFrame = (double) allocated / frames;
            System.out.printf("PMD forwarded %d frames in %d s, allocated %d bytes (%.4f bytes/frame), %.0f busy ns/frame%n",
                    frames, MEASURE.toSeconds(), allocated, perFrame, stats.busyNanosPerFrame());
            assertTrue(frames > 20_000, "too few frames to say anything: " + frames);
            assertTrue(perFrame < 0.05, allocated + " bytes allocated for " + frames + " frames");
            assertEquals(0, stats.sleeps() - sleepsBefore, "the PMD slept: the measurement would include the sleep path");
            assertEquals(0, s.sw.port("a").stats().dropped() + s.sw.port("b").stats().dropped());
        }
    }
}
