package io.virtio4j.vhostuser;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.vhostuser.testing.GuestNic;
import io.virtio4j.vring.ChainCursor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MRG_RXBUF (issue 13, item 8): a frame larger than one RX buffer is merged over as many as it
 * needs, num_buffers in the first one's header, each buffer used with the bytes in it (virtio 1.2,
 * 5.1.6.4); without the feature such a frame is dropped; a frame the ring cannot finish takes
 * nothing from it.
 */
class MergedRxTest {
    private static final int RX_BUFFER = 256;

    @TempDir
    Path dir;

    /** Guest A sends through the in-place API into guest B, whose RX buffers are 256 bytes. */
    private final class Link extends TwoServedPorts {
        final GuestNic guestA = new GuestNic();
        final GuestNic guestB;

        Link(int rxQueueSize, boolean mergeable) throws InterruptedException {
            super(dir, 1514);
            guestB = new GuestNic(rxQueueSize, 1);
            guestB.rxBuffers(RX_BUFFER);
            guestA.attach(feA);
            guestB.attach(feB, mergeable ? BackendConfig.VIRTIO_NET_F_MRG_RXBUF : 0);
            awaitRings();
        }

        /** Sends {@code frames} from A to B in one burst (through the reader path), returns how many B took. */
        int burst(List<byte[]> frames) {
            for (byte[] f : frames) {
                assertTrue(guestA.transmit(f));
            }
            guestA.kickTx();
            int n = a.holdTx(0, 32);
            assertEquals(frames.size(), n);
            b.openRx(0, n);
            int delivered = 0;
            ChainCursor reader = new ChainCursor();
            for (int i = 0; i < n; i++) {
                reader.readable(a.heldMemory(0), a.heldChain(0, i)).skip(a.heldOffset(0));
                reader.limit(a.heldLength(0, i));
                delivered += b.deliverHeld(0, MemorySegment.NULL, 0, reader) ? 1 : 0;
            }
            b.closeRx(0);
            a.releaseTx(0, 0);
            guestA.reclaimTx();
            return delivered;
        }

        /** B's frames, reassembled from its used buffers by num_buffers; each buffer's count checked. */
        List<byte[]> received(List<Integer> buffersPerFrame) {
            List<byte[]> frames = new ArrayList<>();
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            int[] left = {0};
            guestB.receive((seg, len) -> {
                if (len == 0 && left[0] == 0) {
                    // A buffer given back empty: a dropped frame, no header to read.
                    buffersPerFrame.add(0);
                    frames.add(new byte[0]);
                    return;
                }
                byte[] bytes = GuestNic.bytes(seg, 0, len);
                int from = 0;
                if (left[0] == 0) {
                    left[0] = Short.toUnsignedInt(seg.get(NetPortTest.LE_SHORT, 10));
                    buffersPerFrame.add(left[0]);
                    from = GuestNic.HDR;
                }
                current.write(bytes, from, len - from);
                if (--left[0] == 0) {
                    frames.add(current.toByteArray());
                    current.reset();
                }
            });
            assertEquals(0, left[0], "a frame's buffers are all used together");
            return frames;
        }

        @Override
        public void close() {
            super.close();
            guestA.close();
            guestB.close();
        }
    }

    @Test
    void aFrameLargerThanOneBufferIsMergedOverAsManyAsItNeeds() throws Exception {
        try (Link l = new Link(GuestNic.QSIZE, true)) {
            List<byte[]> sent = new ArrayList<>();
            int[] lengths = {60, 244, 245, 500, 1514, 1000, 768};
            for (int i = 0; i < lengths.length; i++) {
                sent.add(GuestNic.frame(lengths[i], i));
            }
            assertEquals(sent.size(), l.burst(sent));
            List<Integer> buffers = new ArrayList<>();
            List<byte[]> got = l.received(buffers);
            assertEquals(sent.size(), got.size());
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
                int expected = (GuestNic.HDR + lengths[i] + RX_BUFFER - 1) / RX_BUFFER;
                assertEquals(expected, buffers.get(i), "num_buffers of frame " + i + " (" + lengths[i] + " bytes)");
            }
            assertEquals(sent.size(), l.b.sent());
            assertEquals(0, l.b.dropped());
        }
    }

    @Test
    void withoutMrgRxbufAFrameLargerThanABufferIsDroppedAndCounted() throws Exception {
        try (Link l = new Link(GuestNic.QSIZE, false)) {
            assertEquals(1, l.burst(List.of(GuestNic.frame(1514, 1), GuestNic.frame(200, 2))));
            List<Integer> buffers = new ArrayList<>();
            List<byte[]> got = l.received(buffers);
            assertEquals(List.of(0, 1), buffers, "the dropped frame's buffer comes back empty, the small frame whole");
            assertEquals(0, got.get(0).length);
            assertArrayEquals(GuestNic.frame(200, 2), got.get(1));
            assertEquals(1, l.b.dropped());
        }
    }

    @Test
    void aFrameTheRingCannotFinishTakesNoBufferAndASmallerOneStillFits() throws Exception {
        // Eight 256-byte buffers: the first 1514-byte frame takes six, the second finds two.
        try (Link l = new Link(8, true)) {
            List<byte[]> sent = List.of(GuestNic.frame(1514, 1), GuestNic.frame(1514, 2), GuestNic.frame(300, 3));
            assertEquals(2, l.burst(sent));
            List<Integer> buffers = new ArrayList<>();
            List<byte[]> got = l.received(buffers);
            assertEquals(List.of(6, 2), buffers, "no buffer came back for the frame that did not fit");
            assertArrayEquals(sent.get(0), got.get(0));
            assertArrayEquals(sent.get(2), got.get(1));
            assertEquals(2, l.b.sent());
            assertEquals(1, l.b.dropped());
            assertFalse(l.b.chainErrors(io.virtio4j.vring.ChainError.USED_ID_INVALID) > 0);
        }
    }
}
