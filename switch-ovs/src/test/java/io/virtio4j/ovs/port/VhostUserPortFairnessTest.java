package io.virtio4j.ovs.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-queue guest whose first pair has a full burst waiting at every poll must not starve its
 * second pair: a real vhost-user session over a Unix socket, frames read in place from both TX rings.
 */
class VhostUserPortFairnessTest {
    private static final int PAIR0_FRAME = 60;
    private static final int PAIR1_FRAME = 100;

    @TempDir
    Path dir;

    /** Receives until a frame of {@code length} bytes arrived (the ring it was queued on runs). */
    private static void awaitFrame(VhostUserPort port, int length) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean[] seen = new boolean[1];
        while (!seen[0]) {
            assertTrue(System.nanoTime() < deadline, "a frame of " + length + " bytes never arrived");
            FrameBatch batch = new FrameBatch();
            int n = port.receive(batch);
            for (int i = 0; i < n; i++) {
                seen[0] |= batch.frame(i).length() == length;
            }
            port.release();
            Thread.sleep(1);
        }
    }

    @Test
    void theSecondPairIsPolledWhileTheFirstHasMoreThanABurstWaiting() throws Exception {
        PortSpec spec = new PortSpec("mq", PortType.VHOST_USER_SERVER, dir.resolve("mq.sock").toString(),
                Duration.ofSeconds(1), PortVlan.access(10), 2, -1);
        try (VhostUserPort port = VhostUserPort.open(spec);
             VhostUserFrontend fe = VhostUserFrontend.connect(dir.resolve("mq.sock"), Duration.ofSeconds(5));
             GuestNic guest = new GuestNic(GuestNic.QSIZE, 2)) {
            guest.attach(fe);
            // Both TX rings running: a probe from each came through.
            assertTrue(guest.transmit(0, new byte[PAIR0_FRAME + 1]));
            guest.kickTx(0);
            awaitFrame(port, PAIR0_FRAME + 1);
            assertTrue(guest.transmit(1, new byte[PAIR1_FRAME + 1]));
            guest.kickTx(1);
            awaitFrame(port, PAIR1_FRAME + 1);

            for (int i = 0; i < 3 * SwitchPort.BURST; i++) {
                assertTrue(guest.transmit(0, new byte[PAIR0_FRAME]));
            }
            assertTrue(guest.transmit(1, new byte[PAIR1_FRAME]));
            guest.kickTx(0);
            guest.kickTx(1);
            List<Long> lengths = new ArrayList<>();
            FrameBatch batch = new FrameBatch();
            for (int call = 0; call < 2; call++) {
                batch.clear();
                assertEquals(SwitchPort.BURST, port.receive(batch));
                for (int i = 0; i < batch.count(); i++) {
                    lengths.add(batch.frame(i).length());
                }
                port.release();
            }
            assertTrue(lengths.contains((long) PAIR1_FRAME),
                    "pair 1's frame waited behind " + lengths.size() + " frames of pair 0");
        }
    }
}
