package io.virtio4j.vhostnet.guest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The frames of the guest test: each one is determined by its sequence number (length and every
 * byte), so a receiver can check a frame completely from the frame alone.
 */
final class TestFrames {
    /** IEEE 802 "local experimental" ethertype: nothing else on the link uses it. */
    static final int ETHERTYPE = 0x88B5;
    static final int MIN_FRAME = 60;
    static final int MAX_FRAME = 1514;
    private static final int ETHER_HEADER = 14;
    private static final int SEQ_OFFSET = ETHER_HEADER;
    private static final int PATTERN_OFFSET = SEQ_OFFSET + 4;
    private static final ValueLayout.OfInt SEQ = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private TestFrames() {
    }

    /** 60..1514 bytes, varying with the sequence number. */
    static int length(int seq) {
        return MIN_FRAME + (int) ((seq * 379L) % (MAX_FRAME - MIN_FRAME + 1));
    }

    /** dst 02:00:00:00:00:02, src 02:00:00:00:00:01, {@link #ETHERTYPE}, seq (big-endian), then a pattern of seq. */
    static void fill(MemorySegment frame, int seq) {
        int length = length(seq);
        // In bounds: callers pass segments of at least MAX_FRAME bytes, and length <= MAX_FRAME.
        for (int i = 0; i < 6; i++) {
            frame.set(ValueLayout.JAVA_BYTE, i, (byte) (i == 0 || i == 5 ? 2 : 0));
            frame.set(ValueLayout.JAVA_BYTE, 6 + i, (byte) (i == 0 ? 2 : i == 5 ? 1 : 0));
        }
        frame.set(ValueLayout.JAVA_BYTE, 12, (byte) (ETHERTYPE >>> 8));
        frame.set(ValueLayout.JAVA_BYTE, 13, (byte) ETHERTYPE);
        frame.set(SEQ, SEQ_OFFSET, seq);
        for (int i = PATTERN_OFFSET; i < length; i++) {
            frame.set(ValueLayout.JAVA_BYTE, i, (byte) (seq * 31 + i));
        }
    }

    /** The ethertype of a frame of at least 14 bytes. */
    static int etherType(MemorySegment frame) {
        return (frame.get(ValueLayout.JAVA_BYTE, 12) & 0xff) << 8 | (frame.get(ValueLayout.JAVA_BYTE, 13) & 0xff);
    }

    /**
     * Whether the first {@code length} bytes of {@code frame} are exactly the frame its sequence
     * number says; {@code scratch} (at least MAX_FRAME bytes) is overwritten.
     */
    static boolean matches(MemorySegment frame, int length, MemorySegment scratch) {
        if (length < PATTERN_OFFSET || length > MAX_FRAME) {
            return false;
        }
        int seq = frame.get(SEQ, SEQ_OFFSET);
        if (seq < 0 || length(seq) != length) {
            return false;
        }
        fill(scratch, seq);
        return MemorySegment.mismatch(frame, 0, length, scratch, 0, length) == -1;
    }
}
