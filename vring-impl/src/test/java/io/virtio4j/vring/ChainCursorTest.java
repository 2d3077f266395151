package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chain-bytes cursor over real popped chains: buffers split any way, two regions, two guests. */
class ChainCursorTest {
    private static final long BOUNDARY = 0x10000;
    private final Arena arena = Arena.ofAuto();
    /** Two adjacent regions: guest-contiguous at 0x10000, not host-contiguous. */
    private final GuestMemory memory = GuestMemory.of(
            GuestRegion.of(0, arena.allocate(BOUNDARY, 4096)),
            GuestRegion.of(BOUNDARY, arena.allocate(BOUNDARY, 4096)));
    private final QueueLayout layout = QueueLayout.contiguous(64, 0x1000, false, false);
    private final DriverQueue driver = new DriverQueue(memory, layout);
    private final DeviceQueue device = new DeviceQueue("c", memory, layout);
    private final ChainCursor cursor = new ChainCursor();

    private DescriptorChain pop(DriverQueue d, DeviceQueue q, long[] addr, int[] len, boolean[] writable) {
        d.add(addr, len, writable, addr.length);
        d.publish();
        DescriptorChain chain = q.newChain();
        assertTrue(q.popOne(chain));
        return chain;
    }

    private DescriptorChain pop(long[] addr, int[] len, boolean[] writable) {
        return pop(driver, device, addr, len, writable);
    }

    private static boolean[] all(int n, boolean value) {
        boolean[] b = new boolean[n];
        java.util.Arrays.fill(b, value);
        return b;
    }

    private void fill(GuestMemory mem, long address, byte[] bytes) {
        mem.write(address, MemorySegment.ofArray(bytes), 0, bytes.length);
    }

    private byte[] get(GuestMemory mem, long address, int length) {
        byte[] out = new byte[length];
        mem.read(address, MemorySegment.ofArray(out), 0, length);
        return out;
    }

    /**
     * Readable buffers of 1, 2, ..., 12 bytes with zero-length descriptors between them, the
     * seventh straddling the region boundary; the bytes 0..77 in order across them.
     */
    private DescriptorChain manyReadable() {
        List<long[]> parts = new ArrayList<>();
        long next = 0x4000;
        byte value = 0;
        for (int size = 1; size <= 12; size++) {
            long at = size == 7 ? BOUNDARY - 3 : next;
            byte[] bytes = new byte[size];
            for (int i = 0; i < size; i++) {
                bytes[i] = value++;
            }
            fill(memory, at, bytes);
            parts.add(new long[] {at, size});
            parts.add(new long[] {0x5000, 0}); // zero length: the walker drops it
            next += 0x100;
        }
        long[] addr = new long[parts.size()];
        int[] len = new int[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            addr[i] = parts.get(i)[0];
            len[i] = (int) parts.get(i)[1];
        }
        return pop(addr, len, all(addr.length, false));
    }

    private static byte[] sequence(int from, int count) {
        byte[] b = new byte[count];
        for (int i = 0; i < count; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void readsAcrossManyBuffersZeroLengthOnesAndARegionBoundary() {
        DescriptorChain chain = manyReadable();
        assertEquals(12, chain.count(), "zero-length descriptors never reach the chain");
        cursor.readable(memory, chain);
        assertEquals(78, cursor.remaining());
        byte[] all = new byte[100];
        assertEquals(78, cursor.read(all, 0, 100), "a short chain reads what it has");
        assertArrayEquals(sequence(0, 78), java.util.Arrays.copyOf(all, 78));
        assertEquals(0, cursor.remaining());
        assertEquals(0, cursor.read(all, 0, 1), "nothing left");
        // Again in pieces of 5: the result does not depend on how the reads are cut.
        cursor.readable(memory, chain);
        byte[] piece = new byte[5];
        for (int at = 0; at < 78; at += 5) {
            int n = cursor.read(piece, 0, 5);
            assertEquals(Math.min(5, 78 - at), n);
            assertArrayEquals(sequence(at, n), java.util.Arrays.copyOf(piece, n));
            assertEquals(at + n, cursor.consumed());
        }
    }

    @Test
    void skipAndLimitSelectAWindow() {
        DescriptorChain chain = manyReadable();
        cursor.readable(memory, chain);
        assertEquals(20, cursor.skip(20));
        cursor.limit(30);
        assertEquals(30, cursor.remaining());
        MemorySegment out = arena.allocate(64);
        assertEquals(30, cursor.read(out, 4, 64), "stops at the limit");
        for (int i = 0; i < 30; i++) {
            assertEquals((byte) (20 + i), out.get(ValueLayout.JAVA_BYTE, 4 + i));
        }
        assertEquals(0, cursor.skip(5), "nothing left to skip past the limit");
        cursor.readable(memory, chain);
        assertEquals(78, cursor.skip(1000), "skip stops at the end");
        cursor.readable(memory, chain).limit(1000);
        assertEquals(78, cursor.remaining(), "a limit beyond the end changes nothing");
        assertThrows(IllegalArgumentException.class, () -> cursor.skip(-1));
        assertThrows(IllegalArgumentException.class, () -> cursor.limit(-1));
    }

    @Test
    void writesAcrossWritableBuffersAndLogsWhatItWrote() {
        List<long[]> logged = new ArrayList<>();
        memory.dirtyLog((a, l) -> logged.add(new long[] {a, l}));
        try {
            DescriptorChain chain = pop(new long[] {0x6000, BOUNDARY - 2, 0x12000},
                    new int[] {3, 4, 100}, all(3, true));
            cursor.writable(memory, chain);
            assertTrue(cursor.isWriter());
            cursor.skip(1);
            assertEquals(20, cursor.write(sequence(50, 20), 0, 20));
            assertArrayEquals(sequence(50, 2), get(memory, 0x6001, 2));
            assertArrayEquals(sequence(52, 4), get(memory, BOUNDARY - 2, 4), "across the region boundary");
            assertArrayEquals(sequence(56, 14), get(memory, 0x12000, 14));
            assertEquals(0, get(memory, 0x6000, 1)[0], "the skipped byte is untouched");
            long loggedBytes = logged.stream().mapToLong(r -> r[1]).sum();
            assertEquals(20, loggedBytes, "every written byte reaches the dirty log, no more");
            assertEquals(0x6001, logged.get(0)[0]);
            assertEquals(86, cursor.write(MemorySegment.ofArray(new byte[200]), 0, 200), "truncated at the chain's end");
        } finally {
            memory.dirtyLog(null);
        }
    }

    @Test
    void copiesReaderToWriterAcrossGuestsWithALimit() {
        DescriptorChain tx = manyReadable();
        GuestMemory other = GuestMemory.anonymous(arena, 0, 0x10000);
        QueueLayout otherLayout = QueueLayout.contiguous(8, 0x1000, false, false);
        DriverQueue otherDriver = new DriverQueue(other, otherLayout);
        DeviceQueue otherDevice = new DeviceQueue("o", other, otherLayout);
        DescriptorChain rx = pop(otherDriver, otherDevice, new long[] {0x8000, 0x9000, 0xa000},
                new int[] {12, 7, 64}, all(3, true));
        ChainCursor writer = new ChainCursor().writable(other, rx);
        writer.skip(12); // room for a header
        cursor.readable(memory, tx).skip(10);
        assertEquals(40, cursor.copyTo(writer, 40));
        assertEquals(31, writer.remaining());
        assertEquals(28, cursor.remaining());
        assertArrayEquals(sequence(10, 7), get(other, 0x9000, 7));
        assertArrayEquals(sequence(17, 33), get(other, 0xa000, 33));
        // Without a limit the copy stops where the first side ends: the reader's 28 bytes.
        assertEquals(28, cursor.copyTo(writer, Long.MAX_VALUE));
        assertArrayEquals(sequence(50, 28), get(other, 0xa000 + 33, 28));
        assertEquals(3, writer.remaining());
    }

    @Test
    void aReaderSeesOnlyReadableBytesAndAWriterOnlyWritableOnes() {
        fill(memory, 0x6000, sequence(1, 8));
        DescriptorChain mixed = pop(new long[] {0x6000, 0x7000}, new int[] {8, 16}, new boolean[] {false, true});
        cursor.readable(memory, mixed);
        assertEquals(8, cursor.remaining());
        ChainCursor writer = new ChainCursor().writable(memory, mixed);
        assertEquals(16, writer.remaining());
        assertThrows(IllegalStateException.class, () -> cursor.write(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> writer.read(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> writer.copyTo(cursor, 1), "a copy goes reader to writer");
        assertThrows(IllegalStateException.class, () -> new ChainCursor().read(new byte[1], 0, 1), "not pointed at a chain");
        // A TX chain has no writable bytes: a writer over it has nothing to give.
        DescriptorChain tx = pop(new long[] {0x6000}, new int[] {8}, all(1, false));
        assertEquals(0, writer.writable(memory, tx).write(new byte[4], 0, 4));
    }

    @Test
    void aChainWithReadableAfterWritableNeverReachesACursor() {
        SplitRing raw = SplitRing.map(memory, layout);
        raw.writeDesc(0, 0x6000, 8, SplitRing.DESC_F_WRITE | SplitRing.DESC_F_NEXT, 1);
        raw.writeDesc(1, 0x7000, 8, 0, 0);
        raw.availEntry(0, 0);
        raw.availIdxRelease(1);
        DescriptorChain chain = device.newChain();
        assertFalse(device.popOne(chain));
        assertEquals(1, device.counters().errors(ChainError.READABLE_AFTER_WRITABLE));
    }

    @Test
    void iovecsSplitABufferAtTheRegionBoundaryAndRefuseTooMany() {
        DescriptorChain chain = pop(new long[] {0x6000, BOUNDARY - 16}, new int[] {10, 48}, all(2, false));
        MemorySegment iovecs = arena.allocate(IoVec.arraySize(4), 8);
        cursor.readable(memory, chain).skip(2);
        assertEquals(3, cursor.toIovecs(iovecs, 0, 4));
        assertEquals(memory.region(0).segment().address() + 0x6002, IoVec.base(iovecs, 0));
        assertEquals(8, IoVec.length(iovecs, 0));
        assertEquals(memory.region(0).segment().address() + BOUNDARY - 16, IoVec.base(iovecs, 1));
        assertEquals(16, IoVec.length(iovecs, 1));
        assertEquals(memory.region(1).segment().address(), IoVec.base(iovecs, 2));
        assertEquals(32, IoVec.length(iovecs, 2));
        assertEquals(0, cursor.remaining());
        // From entry 1 with a limit of 20 bytes: 8 + 12.
        cursor.readable(memory, chain).skip(2);
        cursor.limit(20);
        assertEquals(3, cursor.toIovecs(iovecs, 1, 4));
        assertEquals(12, IoVec.length(iovecs, 2));
        cursor.readable(memory, chain);
        assertEquals(ChainCursor.TOO_MANY, cursor.toIovecs(iovecs, 0, 2), "three pieces do not fit two iovecs");
    }

    @Test
    void aChainUsedWithAnotherMemoryIsRefusedAndTheCacheNeverGoesStale() {
        fill(memory, 0x6000, sequence(1, 8));
        DescriptorChain chain = pop(new long[] {0x6000}, new int[] {8}, all(1, false));
        byte[] out = new byte[8];
        assertEquals(8, cursor.readable(memory, chain).read(out, 0, 8));
        assertArrayEquals(sequence(1, 8), out);
        // The same guest addresses in a new map (SET_MEM_TABLE): the cursor reads the new backing.
        GuestMemory remapped = GuestMemory.anonymous(arena, 0, 0x10000);
        remapped.write(0x6000, MemorySegment.ofArray(sequence(100, 8)), 0, 8);
        assertEquals(8, cursor.readable(remapped, chain).read(out, 0, 8));
        assertArrayEquals(sequence(100, 8), out, "no byte came from the old map's cached region");
        // A map that lacks the buffer: refused before any byte moves.
        GuestMemory small = GuestMemory.anonymous(arena, 0, 0x1000);
        byte[] untouched = new byte[8];
        assertThrows(GuestMemoryException.class, () -> cursor.readable(small, chain).read(untouched, 0, 8));
        assertArrayEquals(new byte[8], untouched);
        assertEquals(ChainCursor.UNMAPPED, cursor.readable(small, chain).toIovecs(arena.allocate(IoVec.arraySize(1)), 0, 1));
    }
}
