package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.testing.ThreadMeasures;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.TxBatch;

/**
 * The PMD side of {@code ctl capture}: frames copied as on the wire, a full ring counted and never
 * blocking, and no allocation per frame on the copying thread.
 */
class PortCaptureTest {
    private static final int RING = 1 << 16;

    private static MemorySegment frame(Arena arena, int length, int fill) {
        MemorySegment m = arena.allocate(length);
        m.fill((byte) fill);
        return m;
    }

    private static List<byte[]> drain(PortCapture c, List<Integer> directions) {
        List<byte[]> out = new ArrayList<>();
        c.drain((type, buffer, index, length) -> {
            directions.add(type);
            byte[] b = new byte[buffer.getInt(index + 8)];
            buffer.getBytes(index + PortCapture.RECORD_HEADER, b);
            out.add(b);
        }, Integer.MAX_VALUE);
        return out;
    }

    @Test
    void rxCopiesTheFramesAndTxTheHeadThenTheRestAsSent() {
        try (Arena arena = Arena.ofConfined()) {
            PortCapture c = new PortCapture(PortCapture.RX | PortCapture.TX, RING, 0);
            FrameBatch batch = new FrameBatch();
            HostFrame a = new HostFrame().set(frame(arena, 60, 1), 0, 60);
            batch.add(a);
            c.rx(batch, 1);
            // A trunk's head: 16 bytes (MACs, tag, type) standing for the frame's first 12, then the rest.
            MemorySegment head = frame(arena, 16, 7);
            TxBatch tx = new TxBatch();
            tx.add(a, head, 16, 12, 0);
            tx.sent(0);
            c.tx(tx, false);
            List<Integer> types = new ArrayList<>();
            List<byte[]> got = drain(c, types);
            assertEquals(List.of(PortCapture.RX, PortCapture.TX), types);
            byte[] sent = new byte[60];
            java.util.Arrays.fill(sent, (byte) 1);
            assertArrayEquals(sent, got.get(0));
            assertEquals(64, got.get(1).length);
            byte[] expected = new byte[64];
            java.util.Arrays.fill(expected, 0, 16, (byte) 7);
            java.util.Arrays.fill(expected, 16, 64, (byte) 1);
            assertArrayEquals(expected, got.get(1));
        }
    }

    @Test
    void aFullRingCountsInsteadOfWaitingAndAnUnsentEntryIsNotCaptured() {
        try (Arena arena = Arena.ofConfined()) {
            PortCapture c = new PortCapture(PortCapture.TX, RING, 0);
            HostFrame big = new HostFrame().set(frame(arena, 9000, 3), 0, 9000);
            TxBatch tx = new TxBatch();
            for (int i = 0; i < 10; i++) {
                tx.add(big, MemorySegment.NULL, 0, 0, 0);
            }
            for (int i = 0; i < 9; i++) {
                tx.sent(i);
            }
            c.tx(tx, false);
            List<byte[]> got = drain(c, new ArrayList<>());
            // 64 KiB holds 7 records of 9,016 bytes (plus the ring's own record header each): the rest are counted.
            assertEquals(9, got.size() + c.dropped(), "the 10th entry was not sent, so not captured");
            assertTrue(c.dropped() > 0, "the ring filled");
            c.rx(new FrameBatch(), 0);
            assertEquals(0, drain(c, new ArrayList<>()).size(), "a TX-only capture takes no received frames");
        }
    }

    @Test
    void copyingAllocatesNothingPerFrame() {
        try (Arena arena = Arena.ofConfined()) {
            PortCapture c = new PortCapture(PortCapture.RX, 1 << 22, 0);
            FrameBatch batch = new FrameBatch();
            for (int i = 0; i < FrameBatch.SIZE; i++) {
                batch.add(new HostFrame().set(frame(arena, 64, i), 0, 64));
            }
            long[] sink = new long[1];
            org.agrona.concurrent.MessageHandler count = (type, buffer, index, length) -> sink[0] += length;
            for (int round = 0; round < 20_000; round++) {
                c.rx(batch, FrameBatch.SIZE);
                c.drain(count, Integer.MAX_VALUE);
            }
            long before = ThreadMeasures.allocatedBytes(Thread.currentThread());
            for (int round = 0; round < 20_000; round++) {
                c.rx(batch, FrameBatch.SIZE);
                c.drain(count, Integer.MAX_VALUE);
            }
            long allocated = ThreadMeasures.allocatedBytes(Thread.currentThread()) - before;
            assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for 640,000 captured frames");
            assertEquals(0, c.dropped());
            assertEquals(2L * 20_000 * FrameBatch.SIZE * (64 + PortCapture.RECORD_HEADER), sink[0]);
        }
    }
}
