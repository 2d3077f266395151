package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest that answers from inside its receive callback (transmits, reclaims its TX ring) as an
 * echo responder does: every received frame is still the one sent, in order, once, and the RX
 * buffers go back to the RX ring.
 */
class GuestNicReentrancyTest {
    private static final int BURST = 8;

    @TempDir
    Path dir;

    @Test
    void transmittingAndReclaimingInsideTheReceiveCallbackKeepsEveryFrameIntact() throws Exception {
        try (AttachedNic loop = new AttachedNic(dir.resolve("echo.sock"))) {
            VhostUserNetPort port = loop.port;
            GuestNic nic = loop.nic;
            assertTrue(port.ready(0));
            // TX chains the back-end has used but the guest has not reclaimed yet.
            for (int i = 0; i < BURST; i++) {
                assertTrue(nic.transmit(GuestNic.frame(80, 100 + i)));
            }
            nic.kickTx();
            assertEquals(BURST, port.receive(0, (buf, off, len) -> { }, 64));

            for (int round = 0; round < 3; round++) {
                List<byte[]> sent = sendToGuest(port, 1000 * round);
                List<byte[]> got = new ArrayList<>();
                int[] reclaimed = new int[1];
                int n = nic.receive((seg, len) -> {
                    got.add(GuestNic.payload(seg, len));
                    // Answer at once, and reclaim the TX ring as a driver does before it sends.
                    reclaimed[0] += nic.reclaimTx();
                    assertTrue(nic.transmit(GuestNic.payload(seg, len)));
                    nic.kickTx();
                });
                assertEquals(BURST, n);
                for (int i = 0; i < BURST; i++) {
                    assertArrayEquals(sent.get(i), got.get(i), "round " + round + " frame " + i);
                }
                // The echoes reach the back-end byte-exact and in order.
                List<byte[]> echoed = new ArrayList<>();
                assertEquals(BURST, port.receive(0, (buf, off, len) -> echoed.add(GuestNic.bytes(buf, off, len)), 64));
                for (int i = 0; i < BURST; i++) {
                    assertArrayEquals(sent.get(i), echoed.get(i), "echo of round " + round + " frame " + i);
                }
                // Round 0 reclaims the burst sent before, later rounds the previous round's echoes.
                assertEquals(BURST, reclaimed[0], "TX chains reclaimed in round " + round);
            }
        }
    }

    @Test
    void receivingOnTheSamePairFromInsideItsCallbackIsRefused() throws Exception {
        try (AttachedNic loop = new AttachedNic(dir.resolve("nested.sock"))) {
            GuestNic nic = loop.nic;
            sendToGuest(loop.port, 0);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> nic.receive((seg, len) -> nic.receive((s, l) -> { })));
            assertTrue(e.getMessage().contains("inside its own receive callback"), e.getMessage());
        }
    }

    /** Sends {@link #BURST} distinct frames into the guest's RX ring; returns them. */
    private static List<byte[]> sendToGuest(VhostUserNetPort port, int seed) {
        List<byte[]> frames = new ArrayList<>();
        MemorySegment[] segs = new MemorySegment[BURST];
        long[] lens = new long[BURST];
        for (int i = 0; i < BURST; i++) {
            byte[] f = GuestNic.frame(60 + 7 * i, seed + i);
            frames.add(f);
            segs[i] = MemorySegment.ofArray(f);
            lens[i] = f.length;
        }
        assertEquals(BURST, port.send(0, segs, lens, BURST));
        return frames;
    }
}
