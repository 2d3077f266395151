package io.virtio4j.ovs.port;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two PMD threads transmitting to one multi-queue vhost-user port at the same time, each with its
 * own {@link TxBatch} as the executor keeps them, must not mix up each other's entries: every
 * frame arrives once, byte-exact, on the pair its flow hash picks, and the port marks exactly the
 * frames the guest got as sent. A real vhost-user session over a Unix socket.
 */
class VhostUserPortConcurrentTransmitTest {
    private static final int PAIRS = 2;
    private static final int SENDERS = 2;
    private static final int BATCHES = 3000;
    private static final int FRAME = 64;
    /** Frames sent and not yet received that a sender allows: the rings keep room, so few drop. */
    private static final long IN_FLIGHT = GuestNic.QSIZE / 2;

    @TempDir
    Path dir;

    /**
     * The frame with number {@code id} meant for {@code pair}: a GuestNic frame with the id at
     * offset 14 and the pair at 18, so the receiver can rebuild and compare it byte for byte.
     */
    private static byte[] frame(int id, int pair) {
        byte[] f = GuestNic.frame(FRAME, 0);
        ByteBuffer.wrap(f).putInt(14, id).put(18, (byte) pair);
        return f;
    }

    @Test
    void twoThreadsTransmittingToOnePortDeliverEveryFrameOnceToItsPair() throws Exception {
        PortSpec spec = new PortSpec("mq", PortType.VHOST_USER_SERVER, dir.resolve("mq.sock").toString(),
                Duration.ofSeconds(1), PortVlan.access(10), PAIRS, -1);
        try (VhostUserPort port = VhostUserPort.open(spec);
             VhostUserFrontend fe = VhostUserFrontend.connect(dir.resolve("mq.sock"), Duration.ofSeconds(5));
             GuestNic guest = new GuestNic(GuestNic.QSIZE, PAIRS);
             Arena arena = Arena.ofShared()) {
            guest.attach(fe);
            awaitPairRunning(port, guest, arena);

            AtomicLong sent = new AtomicLong();
            AtomicLong received = new AtomicLong();
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            Thread[] senders = new Thread[SENDERS];
            for (int t = 0; t < SENDERS; t++) {
                int sender = t;
                senders[t] = new Thread(() -> send(port, sender, arena, sent, received, errors), "pmd-" + t);
                senders[t].start();
            }
            // The guest's one vCPU: drains both RX rings, checks every frame, until the senders are done.
            BitSet seen = new BitSet();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (anyAlive(senders) || received.get() < sent.get()) {
                assertTrue(System.nanoTime() < deadline, "received " + received.get() + " of " + sent.get());
                for (int pair = 0; pair < PAIRS; pair++) {
                    int p = pair;
                    received.addAndGet(guest.receive(pair, (seg, len) -> check(seg, len, p, seen, errors)));
                }
                if (!errors.isEmpty()) {
                    break;
                }
            }
            for (Thread s : senders) {
                s.join();
            }
            assertEquals(List.of(), List.copyOf(errors).subList(0, Math.min(5, errors.size())));
            assertTrue(sent.get() > SENDERS * BATCHES, "most frames found room: " + sent.get());
            assertEquals(sent.get(), received.get(), "the frames marked sent are the frames the guest got");
            assertEquals(sent.get(), seen.cardinality(), "no frame arrived twice");
        }
    }

    /** One received frame: byte-exact, on the pair it was meant for, and not seen before. */
    private static void check(MemorySegment seg, int len, int pair, BitSet seen, ConcurrentLinkedQueue<String> errors) {
        byte[] got = GuestNic.payload(seg, len);
        if (got.length != FRAME) {
            errors.add("a frame of " + got.length + " bytes on pair " + pair);
            return;
        }
        int id = ByteBuffer.wrap(got).getInt(14);
        int meant = got[18];
        if (meant != pair) {
            errors.add("frame " + Integer.toHexString(id) + " for pair " + meant + " arrived on pair " + pair);
        }
        if (id < 0 || seen.get(id)) {
            errors.add("frame " + Integer.toHexString(id) + " arrived twice");
            return;
        }
        seen.set(id);
        if (!java.util.Arrays.equals(frame(id, meant), got)) {
            errors.add("frame " + Integer.toHexString(id) + " arrived altered");
        }
    }

    /**
     * A PMD's transmits: batches of a full burst, each frame's flow hash (and so its pair) random,
     * different from the other sender's, so a batch read with the other's pair choices shows.
     */
    private static void send(VhostUserPort port, int sender, Arena arena, AtomicLong sent, AtomicLong received,
                             ConcurrentLinkedQueue<String> errors) {
        TxBatch batch = new TxBatch();
        MemorySegment buffers = arena.allocate((long) SwitchPort.BURST * FRAME);
        HostFrame[] frames = new HostFrame[SwitchPort.BURST];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new HostFrame();
        }
        SplittableRandom random = new SplittableRandom(sender);
        int next = 0;
        for (int b = 0; b < BATCHES && errors.isEmpty(); b++) {
            while (sent.get() - received.get() > IN_FLIGHT && errors.isEmpty()) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < SwitchPort.BURST; i++) {
                int pair = random.nextInt(PAIRS);
                int id = sender << 24 | next++;
                MemorySegment.copy(frame(id, pair), 0, buffers, ValueLayout.JAVA_BYTE, (long) i * FRAME, FRAME);
                // In bounds: slot i of BURST slots of FRAME bytes each.
                batch.add(frames[i].set(buffers, (long) i * FRAME, FRAME), MemorySegment.NULL, 0, 0, pair);
            }
            port.transmit(batch);
            sent.addAndGet(batch.sentFrames());
            batch.clear();
        }
    }

    /** Waits until pair 1's RX ring runs: until then its frames go to pair 0 (the port's fallback). */
    private static void awaitPairRunning(VhostUserPort port, GuestNic guest, Arena arena) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        MemorySegment probe = arena.allocate(FRAME);
        MemorySegment.copy(GuestNic.frame(FRAME, 7), 0, probe, ValueLayout.JAVA_BYTE, 0, FRAME);
        TxBatch batch = new TxBatch();
        int[] onPair1 = new int[1];
        while (onPair1[0] == 0) {
            assertTrue(System.nanoTime() < deadline, "pair 1 of the guest never started");
            batch.clear();
            batch.add(new HostFrame().set(probe, 0, FRAME), MemorySegment.NULL, 0, 0, 1);
            port.transmit(batch);
            guest.receive(0, (seg, len) -> { });
            guest.receive(1, (seg, len) -> {
                assertArrayEquals(GuestNic.frame(FRAME, 7), GuestNic.payload(seg, len));
                onPair1[0]++;
            });
            Thread.sleep(1);
        }
    }

    private static boolean anyAlive(Thread[] threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }
}
