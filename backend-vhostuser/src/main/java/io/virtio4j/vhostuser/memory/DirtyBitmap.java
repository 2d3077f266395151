package io.virtio4j.vhostuser.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

import io.virtio4j.api.memory.DirtyLog;

/**
 * The live-migration dirty log of SET_LOG_BASE: one bit per 4 KiB guest page, bit {@code p % 8} of
 * byte {@code p / 8}, set atomically because the front-end reads and clears it concurrently. Bits
 * are set with an atomic OR on the aligned little-endian 32-bit word holding them (FFM offers atomic
 * bitwise updates on int and long, not on bytes). A page beyond the log is not written, only counted.
 */
public final class DirtyBitmap implements DirtyLog {
    static final int PAGE_SHIFT = 12;
    private static final VarHandle WORD = ValueLayout.JAVA_INT.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN).varHandle();

    private final MemorySegment log;
    private final long pages;
    private final LongAdder outOfRange = new LongAdder();

    /** {@code log} is the mapped bitmap; only whole 32-bit words of it are used. */
    public DirtyBitmap(MemorySegment log) {
        this.log = log;
        this.pages = (log.byteSize() / Integer.BYTES) * Integer.SIZE;
    }

    @Override
    public void markWritten(long guestAddress, long length) {
        if (length <= 0 || guestAddress < 0) {
            return;
        }
        long first = guestAddress >>> PAGE_SHIFT;
        // guestAddress + length - 1 cannot overflow: GuestMemory only reports ranges it proved mapped.
        long last = (guestAddress + length - 1) >>> PAGE_SHIFT;
        for (long page = first; page <= last; page++) {
            if (page >= pages) {
                outOfRange.increment();
                return;
            }
            // In bounds: page < pages, so the word offset (page / 32) * 4 + 4 <= the log's usable size.
            long offset = (page >>> 5) * Integer.BYTES;
            int ignored = (int) WORD.getAndBitwiseOr(log, offset, 1 << (page & 31));
        }
    }

    /** Writes to pages the log does not cover. */
    long outOfRange() {
        return outOfRange.sum();
    }
}
