package io.virtio4j.vring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.testing.TestGroups;
import io.virtio4j.vring.testing.CanaryMemory;

import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of the split ring's device side (Jazzer), the hand-rolled
 * {@link DeviceFuzzTest}'s counterpart: the descriptor table, avail ring, indirect tables and
 * buffers are the fuzzer's bytes, in guest memory of two regions with canaries around each.
 *
 * <p>Input: an 8-byte header, then guest memory from address 0 (the queue's descriptor table sits
 * at {@link #RING}, then its avail and used rings). Header: queue size {@code 1 << (b0 % 7)};
 * b1 bit 0 EVENT_IDX, bit 1 INDIRECT_DESC; b2-3 and b4-5 the avail and used indices the queue
 * starts at (little-endian, as SET_VRING_BASE would give them); b6 the most chains one pop asks
 * for (0..4); b7 how many bursts to run (1..4).
 *
 * <p>Each burst pops, copies every handed-out chain's readable bytes out and fills its writable
 * bytes, returns it used, publishes and decides on an interrupt. Asserted: nothing escapes; every
 * chain handed out names mapped buffers, readable before writable, with consistent byte counts;
 * the avail entries consumed are exactly the chains handed out plus the chains refused; every
 * chain handed out and every refused chain with a valid head is published on the used ring (the
 * refused with len 0); and nothing outside guest memory is written.
 */
@Tag(TestGroups.FUZZ)
class SplitRingFuzzTest {
    static final long RING = 0x100;
    private static final int HEADER = 8;

    @FuzzTest
    void anyDriverBytesGiveGoodChainsOrCountedRefusals(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        int size = 1 << ((input[0] & 0xff) % 7);
        boolean eventIdx = (input[1] & 1) != 0;
        boolean indirect = (input[1] & 2) != 0;
        int startAvail = u16(input, 2);
        int startUsed = u16(input, 4);
        int perPop = (input[6] & 0xff) % 5;
        int bursts = (input[7] & 0xff) % 4 + 1;
        try (Arena arena = Arena.ofConfined()) {
            CanaryMemory canaries = new CanaryMemory(arena);
            canaries.load(input, HEADER);
            GuestMemory memory = canaries.memory;
            QueueLayout layout = QueueLayout.contiguous(size, RING, eventIdx, indirect);
            DeviceQueue device = new DeviceQueue("fuzz", memory, layout, startAvail, startUsed);
            SplitRing raw = SplitRing.map(memory, layout);
            ChainCopier copier = new ChainCopier(memory);
            MemorySegment host = arena.allocate(1 << 16);
            host.fill((byte) 0x5A);
            DescriptorChain[] chains = {device.newChain(), device.newChain(), device.newChain(), device.newChain()};
            for (int burst = 0; burst < bursts; burst++) {
                burst(device, raw, memory, copier, host, chains, perPop, size);
            }
            canaries.assertIntact();
        }
    }

    private static void burst(DeviceQueue device, SplitRing raw, GuestMemory memory, ChainCopier copier,
                              MemorySegment host, DescriptorChain[] chains, int perPop, int size) {
        QueueCounters counters = device.counters();
        int availBefore = device.lastAvailIdx();
        int usedBefore = device.usedIdx();
        long chainsBefore = counters.chains();
        long refusedBefore = refusedChains(counters);
        long headlessBefore = counters.errors(ChainError.HEAD_OUT_OF_RANGE);
        long usedInvalidBefore = counters.errors(ChainError.USED_ID_INVALID);
        boolean brokenBefore = device.isBroken();

        int n = device.pop(chains, perPop);
        assertTrue(n >= 0 && n <= perPop, "popped " + n + " of at most " + perPop);
        long[] written = new long[n];
        for (int c = 0; c < n; c++) {
            DescriptorChain chain = chains[c];
            checkChain(memory, chain, size);
            long read = copier.copyReadable(chain, host, 0, host.byteSize());
            assertEquals(Math.min(chain.readableBytes(), host.byteSize()), read, "readable bytes copied");
            written[c] = Math.min(host.byteSize(), chain.writableBytes());
            assertEquals(written[c], copier.writeWritable(chain, host, 0, written[c]), "writable bytes filled");
            device.addUsed(chain, written[c]);
        }
        long refused = refusedChains(counters) - refusedBefore;
        assertEquals(chainsBefore + n, counters.chains(), "chains counted");
        int consumed = (device.lastAvailIdx() - availBefore) & 0xffff;
        assertEquals(n + refused, consumed, "avail entries consumed = chains handed out + chains refused");
        if (brokenBefore) {
            assertEquals(0, consumed, "a broken queue pops nothing");
        }
        device.publish();
        assertEquals(usedInvalidBefore, counters.errors(ChainError.USED_ID_INVALID), "a burst's used elements fit the ring");
        // Refused chains go back (len 0) as they are refused, in pop order, unless their head names
        // no descriptor; then every chain handed out, with what was written into it.
        int refusedWithHead = (int) (refused - (counters.errors(ChainError.HEAD_OUT_OF_RANGE) - headlessBefore));
        int published = (device.usedIdx() - usedBefore) & 0xffff;
        assertEquals(n + refusedWithHead, published, "used elements published");
        if (published > 0) {
            // Only then is the idx stored: a driver may point a writable buffer at its own used
            // ring, and what the device wrote there stands until the next publish.
            assertEquals(device.usedIdx(), raw.usedIdxAcquire(), "the used idx the driver sees");
        }
        for (int i = 0; i < refusedWithHead; i++) {
            int id = raw.usedEntryId((usedBefore + i) & 0xffff);
            assertTrue(id >= 0 && id < size, "used id " + id + " of a ring of " + size);
            assertEquals(0, raw.usedEntryLen((usedBefore + i) & 0xffff), "a refused chain goes back with len 0");
        }
        for (int c = 0; c < n; c++) {
            int at = (usedBefore + refusedWithHead + c) & 0xffff;
            assertEquals(chains[c].head(), raw.usedEntryId(at), "used id of chain " + c);
            assertEquals(written[c], Integer.toUnsignedLong(raw.usedEntryLen(at)), "used len of chain " + c);
        }
        // Interrupt decisions and notification toggles read and write only the rings.
        device.needsInterrupt();
        device.enableNotification();
        device.disableNotification();
    }

    /** Chains walked and refused: every error but the queue's own (runaway idx, used overflow). */
    private static long refusedChains(QueueCounters counters) {
        return counters.totalErrors() - counters.errors(ChainError.AVAIL_INDEX_RUNAWAY)
                - counters.errors(ChainError.USED_ID_INVALID);
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static void checkChain(GuestMemory memory, DescriptorChain chain, int size) {
        assertTrue(chain.head() >= 0 && chain.head() < size, "head " + chain.head());
        // A chain may hold no buffer at all: zero-length descriptors are skipped, not refused.
        long readable = 0;
        long writable = 0;
        for (int i = 0; i < chain.count(); i++) {
            assertTrue(memory.isMapped(chain.address(i), chain.length(i)), "unmapped buffer handed out");
            assertEquals(i >= chain.readableCount(), chain.isWritable(i), "readable before writable");
            if (chain.isWritable(i)) {
                writable += chain.length(i);
            } else {
                readable += chain.length(i);
            }
        }
        assertEquals(readable, chain.readableBytes());
        assertEquals(writable, chain.writableBytes());
        assertTrue(readable + writable <= 0xffff_ffffL, "chain longer than a used len can say");
    }
}
