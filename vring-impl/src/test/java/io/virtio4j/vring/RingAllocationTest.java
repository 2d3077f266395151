package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.testing.AllocationCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring layer's frame path allocates nothing in steady state: pop a burst (walk, region cache),
 * copy each frame guest to guest and map it to iovecs through reused cursors, return the burst
 * used and publish once. Two guests, two regions each, so the caches both hit and miss; split and
 * packed rings.
 */
class RingAllocationTest {
    private static final int BURST = 32;
    private static final int SIZE = 256;
    private static final long REGION = 0x100000;
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 20_000;
    private static final int ROUNDS = 5;
    /** Far below one 16-byte object per frame (10 MB), far above incidental JIT/TLAB noise. */
    private static final long BUDGET_BYTES = 64 * 1024;

    private final Arena arena = Arena.ofAuto();

    private GuestMemory twoRegions() {
        return GuestMemory.of(GuestRegion.of(0, arena.allocate(REGION, 4096)),
                GuestRegion.of(REGION, arena.allocate(REGION, 4096)));
    }

    private final GuestMemory tx = twoRegions();
    private final GuestMemory rx = twoRegions();
    private QueueLayout layout;
    private DriverQueue txDriver;
    private DeviceQueue txDevice;
    private DriverQueue rxDriver;
    private DeviceQueue rxDevice;
    private final DescriptorChain[] txChains = new DescriptorChain[BURST];
    private final DescriptorChain[] rxChains = new DescriptorChain[BURST];
    private final ChainCursor reader = new ChainCursor();
    private final ChainCursor writer = new ChainCursor();
    private final MemorySegment iovecs = arena.allocate(IoVec.arraySize(8), 8);
    /** A 12-byte header in region 0, the frame straddling into region 1. */
    private final long[] txAddr = {0x8000, REGION - 700};
    private final int[] txLen = {12, 1514};
    private final boolean[] txWritable = {false, false};
    private final long[] rxAddr = {REGION + 0x1000, REGION + 0x2000};
    private final int[] rxLen = {12, 2048};
    private final boolean[] rxWritable = {true, true};
    private final int[] ids = new int[SIZE];
    private final int[] lens = new int[SIZE];

    private void open(boolean packed) {
        layout = packed ? QueueLayout.packed(SIZE, 0x1000, true, false) : QueueLayout.contiguous(SIZE, 0x1000, true, false);
        txDriver = new DriverQueue(tx, layout);
        txDevice = new DeviceQueue("tx", tx, layout);
        rxDriver = new DriverQueue(rx, layout);
        rxDevice = new DeviceQueue("rx", rx, layout);
        for (int i = 0; i < BURST; i++) {
            txChains[i] = txDevice.newChain();
            rxChains[i] = rxDevice.newChain();
        }
    }

    /** Bursts of 32 frames from tx to rx; returns the bytes copied. */
    private long bursts(int frames) {
        long copied = 0;
        for (int done = 0; done < frames; done += BURST) {
            txDriver.reclaim(ids, lens, SIZE);
            rxDriver.reclaim(ids, lens, SIZE);
            for (int i = 0; i < BURST; i++) {
                txDriver.add(txAddr, txLen, txWritable, 2);
                rxDriver.add(rxAddr, rxLen, rxWritable, 2);
            }
            txDriver.publish();
            rxDriver.publish();
            int n = txDevice.pop(txChains, BURST);
            int m = rxDevice.pop(rxChains, BURST);
            for (int i = 0; i < Math.min(n, m); i++) {
                reader.readable(tx, txChains[i]).skip(12);
                writer.writable(rx, rxChains[i]).skip(12);
                long c = reader.copyTo(writer, Long.MAX_VALUE);
                copied += c;
                reader.readable(tx, txChains[i]);
                copied -= reader.toIovecs(iovecs, 0, 8) == 3 ? 0 : 1_000_000;
                txDevice.addUsed(txChains[i], 0);
                rxDevice.addUsed(rxChains[i], 12 + c);
            }
            txDevice.publish();
            rxDevice.publish();
            txDevice.needsInterrupt();
            rxDevice.needsInterrupt();
        }
        return copied;
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void popCopyMapAndPublishAllocateNothingPerFrame(boolean packed) {
        open(packed);
        assertEquals(1514L * WARM_UP, bursts(WARM_UP), "every frame copied whole and mapped to 3 iovecs");
        AllocationCounter counter = new AllocationCounter();
        long[] copied = {0};
        int[] rounds = {0};
        long allocated = counter.leastAllocated(ROUNDS, BUDGET_BYTES, () -> {
            copied[0] += bursts(MEASURED);
            rounds[0]++;
        });
        System.out.printf("ring layer frame path (packed=" + packed + "): %d bytes allocated in the best of %d rounds of %d frames%n",
                allocated, rounds[0], MEASURED);
        assertEquals(1514L * MEASURED * rounds[0], copied[0]);
        assertTrue(allocated < BUDGET_BYTES,
                allocated + " bytes allocated over " + MEASURED + " frames (" + (double) allocated / MEASURED + " per frame)");
    }
}
