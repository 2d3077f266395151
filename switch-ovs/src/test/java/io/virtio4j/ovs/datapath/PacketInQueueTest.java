package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.port.HostFrame;

/**
 * The PACKET_IN queue's consumer side: {@link PacketInQueue#await} sleeps until a PMD queues a
 * frame instead of polling, and never sleeps on a frame already queued.
 */
class PacketInQueueTest {
    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(30);

    private static HostFrame frame(Arena arena, int length) {
        MemorySegment bytes = arena.allocate(length);
        for (int i = 0; i < length; i++) {
            bytes.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        return new HostFrame().set(bytes, 0, length);
    }

    @Test
    void aFrameQueuedWhileTheConsumerSleepsWakesIt() throws Exception {
        PacketInQueue queue = new PacketInQueue();
        try (Arena arena = Arena.ofConfined()) {
            HostFrame frame = frame(arena, 60);
            long[] woke = new long[1]; // written before the thread ends, read after join
            Thread consumer = Thread.ofPlatform().start(() -> {
                queue.await(LONG_WAIT);
                woke[0] = System.nanoTime();
            });
            // Let it reach the sleep (if it has not, await returns at the re-check instead: the
            // outcome asserted is the same either way).
            while (consumer.getState() != Thread.State.TIMED_WAITING && consumer.isAlive()) {
                Thread.onSpinWait();
            }
            long offered = System.nanoTime();
            assertTrue(queue.offer(frame, 128, "vm1", 0, 0, 7L));
            consumer.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(consumer.isAlive(), "the consumer still sleeps after a frame was queued");
            assertTrue(woke[0] - offered < TimeUnit.SECONDS.toNanos(5), "woken by the frame, not by the 30 s timeout");
            int[] lengths = new int[1];
            assertEquals(1, queue.drain(slot -> lengths[0] = slot.length()));
            assertEquals(60, lengths[0]);
        }
    }

    @Test
    void aFrameAlreadyQueuedIsNotSleptOn() {
        PacketInQueue queue = new PacketInQueue();
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(queue.offer(frame(arena, 64), 64, "vm1", 0, 0, 0L));
            long start = System.nanoTime();
            queue.await(LONG_WAIT);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "await slept on a queued frame");
            assertEquals(1, queue.drain(slot -> { }));
        }
    }
}
