package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import io.virtio4j.testing.Slow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Driver and device over the same two-region guest memory: thousands of random chains (1..6
 * buffers, mixed readable/writable, direct and indirect, random lengths incl. zero, some buffers
 * crossing the region boundary), every byte checked in both directions, past the 16-bit index wrap
 * (split) and through thousands of laps of both wrap counters (packed).
 */
@Slow
class RoundTripTest {
    private static final int SIZE = 32;
    private static final int SLOT = 4096;
    /** Slot 3 of the data area spans the 0x10000 region boundary. */
    private static final long DATA = 0x10000 - 3 * SLOT - SLOT / 2;
    private static final long INDIRECT = 0x8000;
    private static final int MAX_BUFS = 6;
    private static final int CHAINS = 70_000; // > 65536: both idx counters wrap

    /** Split and packed; the packed ring of 30 shows a queue size that is not a power of two (spec 2.8.10.1). */
    @ParameterizedTest(name = "eventIdx={0} packed={1} size={2}")
    @CsvSource({"false, false, 32", "true, false, 32", "false, true, 30", "true, true, 32"})
    void everyByteSurvivesBothDirections(boolean eventIdx, boolean packed, int size) {
        Arena arena = Arena.ofAuto();
        GuestMemory memory = GuestMemory.of(
                GuestRegion.of(0, arena.allocate(0x10000, 4096)),
                GuestRegion.of(0x10000, arena.allocate(0x30000, 4096)));
        QueueLayout layout = packed ? QueueLayout.packed(size, 0x1000, eventIdx, true)
                : QueueLayout.contiguous(size, 0x1000, eventIdx, true);
        DriverQueue driver = new DriverQueue(memory, layout, INDIRECT, MAX_BUFS);
        DeviceQueue device = new DeviceQueue("rt", memory, layout);
        ChainCopier copier = new ChainCopier(memory);
        Random random = new Random((eventIdx ? 42 : 7) + (packed ? 1000 : 0));

        boolean[] slotBusy = new boolean[SIZE];
        int[] slotOfHead = new int[SIZE];
        byte[][] sentReadable = new byte[SIZE][];
        byte[][] deviceWrote = new byte[SIZE][];
        long[][] writableAddr = new long[SIZE][];
        int[][] writableLen = new int[SIZE][];
        DescriptorChain[] chains = new DescriptorChain[8];
        for (int i = 0; i < chains.length; i++) {
            chains[i] = device.newChain();
        }
        MemorySegment host = arena.allocate(SLOT);
        long[] addr = new long[MAX_BUFS];
        int[] len = new int[MAX_BUFS];
        boolean[] writable = new boolean[MAX_BUFS];
        int[] ids = new int[SIZE];
        int[] lens = new int[SIZE];
        int sent = 0;
        int completed = 0;
        long interrupts = 0;
        long kicks = 0;
        driver.enableInterrupts(true);

        while (completed < CHAINS) {
            // Driver: add a random number of random chains.
            int toAdd = random.nextInt(8) + 1;
            for (int k = 0; k < toAdd && sent < CHAINS && driver.freeCount() >= MAX_BUFS; k++) {
                int count = random.nextInt(MAX_BUFS) + 1;
                int readable = random.nextInt(count + 1);
                int free = freeSlot(slotBusy);
                slotBusy[free] = true;
                long cursor = DATA + (long) free * SLOT;
                for (int i = 0; i < count; i++) {
                    addr[i] = cursor;
                    len[i] = random.nextInt(8) == 0 ? 0 : random.nextInt(SLOT / MAX_BUFS) + 1;
                    writable[i] = i >= readable;
                    cursor += len[i];
                }
                int totalReadable = 0;
                for (int i = 0; i < readable; i++) {
                    totalReadable += len[i];
                }
                byte[] payload = new byte[totalReadable];
                random.nextBytes(payload);
                long off = 0;
                for (int i = 0; i < readable; i++) {
                    memory.write(addr[i], MemorySegment.ofArray(payload), off, len[i]);
                    off += len[i];
                }
                int head = random.nextBoolean()
                        ? driver.add(addr, len, writable, count)
                        : driver.addIndirect(addr, len, writable, count);
                slotOfHead[head] = free;
                sentReadable[head] = payload;
                writableAddr[head] = java.util.Arrays.copyOfRange(addr, readable, count);
                writableLen[head] = java.util.Arrays.copyOfRange(len, readable, count);
                sent++;
            }
            driver.publish();
            if (driver.shouldKick()) {
                kicks++;
            }

            // Device: pop a burst, check readable bytes, fill writable ones, one publish.
            int n;
            while ((n = device.pop(chains, chains.length)) > 0) {
                for (int c = 0; c < n; c++) {
                    DescriptorChain chain = chains[c];
                    int head = chain.head();
                    byte[] expected = sentReadable[head];
                    assertEquals(expected.length, chain.readableBytes());
                    long got = copier.copyReadable(chain, host, 0, SLOT);
                    assertEquals(expected.length, got);
                    assertArrayEquals(expected, host.asSlice(0, got).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    byte[] reply = new byte[(int) chain.writableBytes()];
                    random.nextBytes(reply);
                    MemorySegment.copy(MemorySegment.ofArray(reply), 0, host, 0, reply.length);
                    assertEquals(reply.length, copier.writeWritable(chain, host, 0, reply.length));
                    deviceWrote[head] = reply;
                    device.addUsed(chain, reply.length);
                }
                device.publish();
                if (device.needsInterrupt()) {
                    interrupts++;
                }
            }

            // Driver: reclaim and check what the device wrote.
            int r = driver.reclaim(ids, lens, SIZE);
            for (int i = 0; i < r; i++) {
                int head = ids[i];
                byte[] reply = deviceWrote[head];
                assertEquals(reply.length, lens[i]);
                byte[] back = new byte[reply.length];
                long off = 0;
                for (int b = 0; b < writableAddr[head].length; b++) {
                    memory.read(writableAddr[head][b], MemorySegment.ofArray(back), off, writableLen[head][b]);
                    off += writableLen[head][b];
                }
                assertArrayEquals(reply, back);
                sentReadable[head] = null;
                slotBusy[slotOfHead[head]] = false;
                completed++;
            }
            driver.enableInterrupts(true);
        }
        assertEquals(CHAINS, device.counters().chains());
        assertEquals(0, device.counters().totalErrors());
        assertEquals(0, driver.badUsed());
        if (packed) {
            // Every slot made available was used: the positions (slot and wrap counter) agree.
            assertEquals(driver.availIdx(), device.lastAvailIdx());
            assertEquals(device.lastAvailIdx(), device.usedIdx());
        } else {
            assertEquals(CHAINS & 0xffff, device.lastAvailIdx());
            assertEquals(CHAINS & 0xffff, device.usedIdx());
        }
        assertEquals(size, driver.freeCount());
        assertTrue(interrupts > 0 && kicks > 0, "interrupts " + interrupts + " kicks " + kicks);
    }

    /** A data slot no outstanding chain uses (at most SIZE chains are outstanding). */
    private static int freeSlot(boolean[] busy) {
        for (int i = 0; i < busy.length; i++) {
            if (!busy[i]) {
                return i;
            }
        }
        throw new IllegalStateException("no free slot");
    }
}
