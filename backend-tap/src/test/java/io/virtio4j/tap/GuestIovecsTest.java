package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.ChainCopier;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;
import io.virtio4j.vring.DriverQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Chains (made by a DriverQueue, popped by a DeviceQueue, as in the data path) mapped to iovecs
 * over two guest regions whose host mappings are apart, and the header bytes written into a
 * receive chain whose header is split over descriptors.
 */
class GuestIovecsTest {
    private static final long REGION = 0x10000;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment low = arena.allocate(REGION, 4096);
    private final MemorySegment high = arena.allocate(REGION, 4096);
    private final GuestMemory memory = GuestMemory.of(GuestRegion.of(0, low), GuestRegion.of(REGION, high));
    private final QueueLayout layout = QueueLayout.contiguous(16, 0, false, false);
    private final DriverQueue driver = new DriverQueue(memory, layout);
    private final DeviceQueue device = new DeviceQueue("test", memory, layout);
    private final DescriptorChain chain = device.newChain();

    @AfterEach
    void close() {
        arena.close();
    }

    private DescriptorChain pop(long[] addr, int[] len, boolean[] writable) {
        driver.add(addr, len, writable, addr.length);
        driver.publish();
        assertTrue(device.popOne(chain));
        return chain;
    }

    private static long base(MemorySegment iovecs, int i) {
        return iovecs.get(ValueLayout.JAVA_LONG, i * IoVec.LAYOUT.byteSize());
    }

    private static long length(MemorySegment iovecs, int i) {
        return iovecs.get(ValueLayout.JAVA_LONG, i * IoVec.LAYOUT.byteSize() + 8);
    }

    @Test
    void aBufferAcrossTheRegionBoundaryBecomesTwoIovecsIntoEachMapping() {
        GuestIovecs iovecs = new GuestIovecs(memory, new IovecArray(arena, 4));
        pop(new long[] {REGION - 100, 0x2000}, new int[] {300, 50}, new boolean[] {false, true});
        assertEquals(2, iovecs.map(chain, false, 0), "readable part only, split in two");
        MemorySegment v = iovecs.iovecs().segment();
        assertEquals(low.address() + REGION - 100, base(v, 0));
        assertEquals(100, length(v, 0));
        assertEquals(high.address(), base(v, 1));
        assertEquals(200, length(v, 1));
        assertEquals(1, iovecs.map(chain, true, 0), "writable part");
        assertEquals(low.address() + 0x2000, base(v, 0));
        assertEquals(50, length(v, 0));
    }

    @Test
    void skippingTheHeaderStartsInsideTheRightDescriptor() {
        GuestIovecs iovecs = new GuestIovecs(memory, new IovecArray(arena, 4));
        pop(new long[] {0x2000, 0x3000}, new int[] {8, 100}, new boolean[] {true, true});
        assertEquals(1, iovecs.map(chain, true, 12), "the 8-byte descriptor is all header");
        MemorySegment v = iovecs.iovecs().segment();
        assertEquals(low.address() + 0x3000 + 4, base(v, 0));
        assertEquals(96, length(v, 0));
    }

    @Test
    void aChainNeedingMoreIovecsThanTheArrayHoldsIsRefusedNotTruncated() {
        GuestIovecs iovecs = new GuestIovecs(memory, new IovecArray(arena, 2));
        pop(new long[] {0x2000, 0x3000, 0x4000}, new int[] {10, 10, 10}, new boolean[] {false, false, false});
        assertEquals(GuestIovecs.TOO_MANY, iovecs.map(chain, false, 0));
    }

    @Test
    void theHeaderTailIsWrittenAcrossDescriptorsAndNothingElse() {
        MemorySegment header = arena.allocate(12);
        header.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) 0x0101);
        low.asSlice(0x2000, 0x3000).fill((byte) 0x55);
        // A hostile but legal split: 11 bytes, then the rest; num_buffers straddles the two.
        pop(new long[] {0x2000, 0x3000}, new int[] {11, 100}, new boolean[] {true, true});
        new ChainCopier(memory).writeWritable(chain, 10, header, 10, 2);
        assertEquals(0x55, low.get(ValueLayout.JAVA_BYTE, 0x2000 + 9), "byte 9 untouched");
        assertEquals(1, low.get(ValueLayout.JAVA_BYTE, 0x2000 + 10));
        assertEquals(1, low.get(ValueLayout.JAVA_BYTE, 0x3000));
        assertEquals(0x55, low.get(ValueLayout.JAVA_BYTE, 0x3000 + 1), "the frame after the header untouched");
    }

    @Test
    void aByteLimitMapsOnlyThatManyBytesAndAnEmptyRestLeavesTheCountUnchanged() {
        // How the switch maps a frame in the middle of a chain: the cursor skipped to it, limited to its length.
        IovecArray array = new IovecArray(arena, 4);
        DescriptorChain c = pop(new long[] {0x8000, 0x9000}, new int[] {100, 100}, new boolean[] {false, false});
        ChainCursor cursor = new ChainCursor().readable(memory, c);
        assertEquals(10, cursor.skip(10));
        assertEquals(190, cursor.remaining(), "a frame of 191 bytes would not fit: the caller refuses it");
        assertEquals(2, cursor.limit(150).toIovecs(array.segment(), 0, 4));
        assertEquals(90, length(array.segment(), 0));
        assertEquals(60, length(array.segment(), 1));
        assertEquals(0, cursor.remaining());
        assertEquals(1, cursor.readable(memory, c).limit(0).toIovecs(array.segment(), 1, 4),
                "nothing to map: the count is unchanged");
    }
}
