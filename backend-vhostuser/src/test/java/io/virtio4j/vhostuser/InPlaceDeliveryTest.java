package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.HeldFrames;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.vhostuser.testing.GuestNic;
import io.virtio4j.vring.ChainCursor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The switch's in-place API between two in-process guests over real vhost-user sockets: frames read
 * where they lie in guest A's TX ring, copied once into guest B's RX ring behind a rewritten head,
 * one used-index publish and one call per burst, and kick fds an idle poller can sleep on.
 */
class InPlaceDeliveryTest {
    private static final int FRAMES = 8;

    @TempDir
    Path dir;

    /** Two ports served on sockets, each with its in-process guest attached. */
    private final class Pair extends TwoServedPorts {
        final GuestNic guestA = new GuestNic();
        final GuestNic guestB = new GuestNic();

        Pair() throws InterruptedException {
            super(dir, 1500);
            guestA.attach(feA);
            guestB.attach(feB);
            awaitRings();
        }

        @Override
        public void close() {
            super.close();
            guestA.close();
            guestB.close();
        }
    }

    @Test
    void framesAreCopiedOnceBehindARewrittenHeadAndPublishedOncePerBurst() throws Exception {
        try (Pair p = new Pair(); Arena arena = Arena.ofConfined()) {
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                byte[] f = GuestNic.frame(60 + 100 * i, i);
                sent.add(f);
                assertTrue(p.guestA.transmit(f));
            }
            p.guestA.kickTx();
            // The head replaces the first 14 bytes: a new destination MAC, the source MAC and type kept.
            MemorySegment head = arena.allocate(14);
            int[] handled = new int[1];
            int n = p.a.receiveInPlace(0, (memory, chain, offset, length) -> {
                byte[] original = sent.get(handled[0]++);
                assertEquals(original.length, length);
                MemorySegment.copy(MemorySegment.ofArray(original), 0, head, 0, 14);
                head.asSlice(0, 6).fill((byte) 0x0a);
                assertTrue(p.b.deliver(0, head, 14, memory, chain, offset + 14, length - 14));
            }, 32);
            assertEquals(FRAMES, n);
            assertEquals(0, p.guestB.receive((seg, len) -> { }), "nothing is visible before the flush");
            assertEquals(0, p.guestB.consumeCall(0), "no call before the flush");
            p.b.flush(0);
            assertEquals(1, TestFiles.awaitSignals(() -> p.guestB.consumeCall(0), 1), "one call for the whole burst");
            List<byte[]> got = new ArrayList<>();
            assertEquals(FRAMES, p.guestB.receive((seg, len) -> {
                assertEquals(1, seg.get(NetPortTest.LE_SHORT, 10), "num_buffers");
                got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR));
            }));
            for (int i = 0; i < FRAMES; i++) {
                byte[] expected = sent.get(i).clone();
                java.util.Arrays.fill(expected, 0, 6, (byte) 0x0a);
                assertArrayEquals(expected, got.get(i), "frame " + i);
            }
            assertEquals(FRAMES, p.guestA.reclaimTx(), "every TX chain went back used");
            assertEquals(FRAMES, p.a.received());
            assertEquals(FRAMES, p.b.sent());
        }
    }

    /**
     * The held view gives a frame's bytes straight from the host mapping exactly as far as they lie
     * in one buffer: the whole frame in a single buffer or right after a header buffer of its own,
     * the first part of a frame split over buffers, nothing when the frame starts inside a buffer
     * after the first.
     */
    @Test
    void heldFramesGiveTheirContiguousStartWhateverTheBufferLayout() throws Exception {
        int hdr = GuestNic.HDR;
        int[][] layouts = {{}, {hdr}, {hdr + 20}, {hdr, hdr + 30}, {6}};
        long[] expected = {200, 200, 20, 30, 0};
        try (Pair p = new Pair()) {
            for (int l = 0; l < layouts.length; l++) {
                byte[] frame = GuestNic.frame(200, l);
                p.guestA.splitTx(layouts[l]);
                assertTrue(p.guestA.transmit(frame));
                p.guestA.kickTx();
                assertEquals(1, p.a.holdTx(0, 32), "layout " + l);
                HeldFrames held = p.a.heldFrames(0);
                assertEquals(1, held.count());
                assertEquals(frame.length, held.length(0));
                assertEquals(expected[l], held.contiguous(0), "layout " + l);
                int n = (int) held.contiguous(0);
                byte[] start = new byte[n];
                MemorySegment.copy(held.segment(0), ValueLayout.JAVA_BYTE, held.segmentOffset(0), start, 0, n);
                assertArrayEquals(java.util.Arrays.copyOf(frame, n), start, "layout " + l);
                p.a.releaseTx(0, 0);
                assertEquals(1, p.guestA.reclaimTx());
                assertThrows(IllegalStateException.class, () -> p.a.heldFrames(0), "nothing held after release");
            }
        }
    }

    @Test
    void aHeldBurstIsReleasedOnceAndDeliveredThroughAnOpenRxRingWithOnePublish() throws Exception {
        try (Pair p = new Pair()) {
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                sent.add(GuestNic.frame(60 + 10 * i, i));
                assertTrue(p.guestA.transmit(sent.get(i)));
            }
            assertTrue(p.guestA.transmit(new byte[4]), "a runt: refused at hold, returned at release");
            p.guestA.kickTx();
            int n = p.a.holdTx(0, 32);
            assertEquals(FRAMES, n);
            assertEquals(0, p.guestA.reclaimTx(), "held chains stay off the used ring until release");
            p.b.openRx(0);
            ChainCursor reader = new ChainCursor();
            for (int i = 0; i < n; i++) {
                assertEquals(sent.get(i).length, p.a.heldLength(0, i));
                reader.readable(p.a.heldMemory(0), p.a.heldChain(0, i)).skip(p.a.heldOffset(0));
                reader.limit(p.a.heldLength(0, i));
                assertTrue(p.b.deliverHeld(0, MemorySegment.NULL, 0, reader));
                assertEquals(0, reader.remaining(), "the whole frame was copied");
            }
            assertEquals(0, p.guestB.consumeCall(0), "no call before the ring is closed");
            p.b.closeRx(0);
            p.a.releaseTx(0, 1);
            assertEquals(1, TestFiles.awaitSignals(() -> p.guestB.consumeCall(0), 1), "one call for the whole burst");
            List<byte[]> got = new ArrayList<>();
            assertEquals(FRAMES, p.guestB.receive((seg, len) -> got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR))));
            for (int i = 0; i < FRAMES; i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
            }
            assertEquals(FRAMES + 1, p.guestA.reclaimTx(), "every popped chain went back used, the runt too");
            assertEquals(FRAMES - 1, p.a.received(), "one reported lost by the caller");
            assertEquals(2, p.a.dropped(), "the runt and the lost frame");
            assertEquals(FRAMES, p.b.sent());
            assertThrows(IllegalStateException.class, () -> p.a.releaseTx(0, 0), "nothing held any more");
            assertThrows(IllegalStateException.class,
                    () -> p.b.deliverHeld(0, MemorySegment.NULL, 0, MemorySegment.ofArray(new byte[60]), 0, 60),
                    "the RX ring is closed");
        }
    }

    @Test
    void rxChainsReservedForABurstAndNotFilledGoBackToTheRingUnused() throws Exception {
        try (Pair p = new Pair()) {
            MemorySegment body = MemorySegment.ofArray(GuestNic.frame(60, 3));
            // Reserve 40 (more than one pop's burst), fill 35, of which one is a runt refused
            // before it takes a chain: 34 frames arrive and 6 reserved chains stay the guest's.
            p.b.openRx(0, 40);
            int delivered = 0;
            for (int i = 0; i < 35; i++) {
                long length = i == 20 ? 4 : 60;
                if (p.b.deliverHeld(0, MemorySegment.NULL, 0, body, 0, length)) {
                    delivered++;
                }
            }
            p.b.closeRx(0);
            assertEquals(34, delivered);
            int[] lengths = new int[1];
            assertEquals(34, p.guestB.receive((seg, len) -> lengths[0] += len),
                    "only filled chains are on the used ring; the unfilled ones were given back, not returned empty");
            assertEquals(34 * (GuestNic.HDR + 60), lengths[0]);
            assertEquals(1, p.b.dropped(), "the runt");
            // The given-back chains are offered again: the ring still holds every buffer the guest posted.
            int room = GuestNic.QSIZE;
            p.b.openRx(0, room);
            int more = 0;
            for (int i = 0; i < room; i++) {
                if (p.b.deliverHeld(0, MemorySegment.NULL, 0, body, 0, 60)) {
                    more++;
                }
            }
            p.b.closeRx(0);
            assertEquals(room, more, "no buffer was lost to the reservation");
            assertEquals(room, p.guestB.receive((seg, len) -> { }));
        }
    }

    @Test
    void aBurstOfOnlyRefusedChainsStillGivesThemBack() throws Exception {
        try (Pair p = new Pair()) {
            // A TX chain whose buffer lies outside guest memory: the walker refuses it.
            assertTrue(p.guestA.queue(1).add(new long[] {1L << 40}, new int[] {64}, new boolean[] {false}, 1) >= 0);
            p.guestA.queue(1).publish();
            assertEquals(0, p.a.receiveInPlace(0, (m, c, o, l) -> { }, 32));
            int[] ids = new int[4];
            int[] lens = new int[4];
            assertEquals(1, p.guestA.queue(1).reclaim(ids, lens, 4),
                    "the refused chain is published in the same burst, not held until a good one comes");
            assertEquals(0, lens[0]);
        }
    }

    @Test
    void aSourceRangePastTheChainsEndIsDroppedNotTruncated() throws Exception {
        try (Pair p = new Pair()) {
            byte[] f = GuestNic.frame(100, 7);
            assertTrue(p.guestA.transmit(f));
            p.guestA.kickTx();
            boolean[] results = new boolean[3];
            assertEquals(1, p.a.receiveInPlace(0, (memory, chain, offset, length) -> {
                results[0] = p.b.deliver(0, MemorySegment.NULL, 0, memory, chain, offset, length + 1);
                results[1] = p.b.deliver(0, MemorySegment.NULL, 0, memory, chain, offset + length + 1, 60);
                results[2] = p.b.deliver(0, MemorySegment.NULL, 0, memory, chain, offset, length);
            }, 32));
            assertFalse(results[0], "one byte more than the chain holds");
            assertFalse(results[1], "an offset past the chain's end");
            assertTrue(results[2], "the exact frame");
            p.b.flush(0);
            List<byte[]> got = new ArrayList<>();
            assertEquals(1, p.guestB.receive((seg, len) -> got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR))),
                    "the refused ranges took no RX buffer");
            assertArrayEquals(f, got.get(0));
            assertEquals(2, p.b.dropped());
            assertEquals(1, p.b.sent());
        }
    }

    @Test
    void hostFramesTooBigFramesAndAStoppedRingAreHandled() throws Exception {
        try (Pair p = new Pair(); Arena arena = Arena.ofConfined()) {
            MemorySegment body = arena.allocate(1600);
            for (int i = 0; i < 1600; i++) {
                body.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            assertTrue(p.b.deliver(0, MemorySegment.NULL, 0, body, 0, 100));
            assertFalse(p.b.deliver(0, MemorySegment.NULL, 0, body, 0, 1501), "longer than the port's max frame");
            assertFalse(p.b.deliver(0, MemorySegment.NULL, 0, body, 0, 13), "shorter than an Ethernet header");
            p.b.flush(0);
            List<byte[]> got = new ArrayList<>();
            assertEquals(1, p.guestB.receive((seg, len) -> got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR))));
            assertArrayEquals(body.asSlice(0, 100).toArray(ValueLayout.JAVA_BYTE), got.get(0));
            assertEquals(2, p.b.dropped());
            p.closeFrontendB();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (p.b.ready(0) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(p.b.deliver(0, MemorySegment.NULL, 0, body, 0, 100), "the front-end is gone");
        }
    }

    @Test
    void aPendingRarpAnnouncementLeavesWithTheNextFlush() throws Exception {
        try (Pair p = new Pair()) {
            byte[] mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
            p.b.announce(mac);
            p.b.flush(0);
            List<byte[]> got = new ArrayList<>();
            assertEquals(1, p.guestB.receive((seg, len) -> got.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR))));
            byte[] rarp = got.get(0);
            assertEquals(60, rarp.length);
            assertEquals((byte) 0x80, rarp[12]);
            assertEquals(0x35, rarp[13]);
            assertArrayEquals(mac, java.util.Arrays.copyOfRange(rarp, 6, 12));
            p.b.flush(0);
            assertEquals(0, p.guestB.receive((seg, len) -> { }), "announced once");
        }
    }

    @Test
    void aKickAfterEnablingWakesAnEpollWaitOnTheRegisteredKickFd() throws Exception {
        try (Pair p = new Pair(); EpollPoller poller = EpollPoller.create()) {
            long generation = p.a.kickGeneration(0);
            assertTrue(generation > 0);
            assertTrue(p.a.registerKick(0, poller, 7));
            assertFalse(p.a.enableKicks(0), "nothing waiting yet");
            int[] ready = new int[4];
            assertEquals(0, poller.poll(ready, 50), "no kick, no wake-up");
            assertTrue(p.guestA.transmit(GuestNic.frame(60, 1)));
            p.guestA.kickTx();
            assertEquals(1, poller.poll(ready, 2000));
            assertEquals(7, ready[0]);
            assertTrue(p.a.enableKicks(0), "the frame is waiting: the re-check sees it");
            p.a.disableKicks(0);
            assertEquals(1, p.a.receiveInPlace(0, (m, c, o, l) -> { }, 32));
        }
    }
}
