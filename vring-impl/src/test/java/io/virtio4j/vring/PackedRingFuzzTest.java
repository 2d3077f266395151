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
 * Coverage-guided fuzzing of the packed ring's device side (Jazzer), {@link SplitRingFuzzTest}'s
 * packed counterpart: the descriptor ring, event structures, indirect tables and buffers are the
 * fuzzer's bytes, in guest memory of two regions with canaries around each.
 *
 * <p>Input: an 8-byte header, then guest memory from address 0 (the descriptor ring sits at
 * {@link SplitRingFuzzTest#RING}, then the driver and device event structures). Header: queue size
 * {@code 1 + b0 % 32} (packed sizes need not be powers of two); b1 bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC; b2-3 the position both sides start at (slot = bits 0-14 modulo the size, wrap
 * counter = bit 15, as SET_VRING_BASE gives it); b6 the most chains one pop asks for (0..4); b7
 * how many bursts to run (1..4).
 *
 * <p>Each burst pops, copies every handed-out chain's readable bytes out and fills its writable
 * bytes, returns it used, publishes and decides on an interrupt. Asserted: nothing escapes; every
 * chain handed out names mapped buffers, readable before writable, with consistent byte counts and
 * an id in range; its used descriptor carries its id and length; after each publish the used
 * position has caught up with the avail position (every slot consumed, good or refused, was given
 * back; a chain that breaks the ring consumes none); and nothing outside guest memory is written.
 */
@Tag(TestGroups.FUZZ)
class PackedRingFuzzTest {
    private static final int HEADER = 8;

    @FuzzTest
    void anyDriverBytesGiveGoodChainsCountedRefusalsOrABrokenRing(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        int size = 1 + (input[0] & 0xff) % 32;
        boolean eventIdx = (input[1] & 1) != 0;
        boolean indirect = (input[1] & 2) != 0;
        int raw16 = (input[2] & 0xff) | (input[3] & 0xff) << 8;
        int start = (raw16 & 0x7fff) % size | (raw16 & PackedRing.WRAP_BIT);
        int perPop = (input[6] & 0xff) % 5;
        int bursts = (input[7] & 0xff) % 4 + 1;
        try (Arena arena = Arena.ofConfined()) {
            CanaryMemory canaries = new CanaryMemory(arena);
            canaries.load(input, HEADER);
            GuestMemory memory = canaries.memory;
            QueueLayout layout = QueueLayout.packed(size, SplitRingFuzzTest.RING, eventIdx, indirect);
            DeviceQueue device = new DeviceQueue("fuzz", memory, layout, start, start);
            PackedRing raw = PackedRing.map(memory, layout);
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

    private static void burst(DeviceQueue device, PackedRing raw, GuestMemory memory, ChainCopier copier,
                              MemorySegment host, DescriptorChain[] chains, int perPop, int size) {
        QueueCounters counters = device.counters();
        long chainsBefore = counters.chains();
        boolean brokenBefore = device.isBroken();
        int availBefore = device.lastAvailIdx();

        int n = device.pop(chains, perPop);
        assertTrue(n >= 0 && n <= perPop, "popped " + n + " of at most " + perPop);
        assertEquals(chainsBefore + n, counters.chains(), "chains counted");
        if (brokenBefore) {
            assertEquals(0, n, "a broken queue pops nothing");
            assertEquals(availBefore, device.lastAvailIdx(), "nor moves");
        }
        long[] written = new long[n];
        for (int c = 0; c < n; c++) {
            DescriptorChain chain = chains[c];
            SplitRingFuzzTest.checkChain(memory, chain, size);
            long read = copier.copyReadable(chain, host, 0, host.byteSize());
            assertEquals(Math.min(chain.readableBytes(), host.byteSize()), read, "readable bytes copied");
            written[c] = Math.min(host.byteSize(), chain.writableBytes());
            assertEquals(written[c], copier.writeWritable(chain, host, 0, written[c]), "writable bytes filled");
        }
        for (int c = 0; c < n; c++) {
            device.addUsed(chains[c], written[c]);
        }
        device.publish();
        assertEquals(0, counters.errors(ChainError.USED_ID_INVALID), "every chain handed out is taken back once");
        assertEquals(device.lastAvailIdx(), device.usedIdx(), "every slot consumed is given back at publish");
        int position = device.lastAvailIdx() & 0x7fff;
        assertTrue(position < size, "position " + position + " in a ring of " + size);
        // The last chain handed out has a used descriptor with its id and len somewhere in the ring.
        if (n > 0) {
            int id = chains[n - 1].head();
            boolean found = false;
            for (int slot = 0; slot < size && !found; slot++) {
                int flags = raw.flagsAcquire(slot);
                found = (flags & PackedRing.DESC_F_USED) == (flags & PackedRing.DESC_F_AVAIL) << 8
                        && raw.id(slot) == id && Integer.toUnsignedLong(raw.len(slot)) == written[n - 1];
            }
            // Written at publish, after the copies: even a buffer aliasing the ring cannot hide it.
            assertTrue(found, "used descriptor of id " + id + " on the ring");
        }
        device.needsInterrupt();
        device.enableNotification();
        device.disableNotification();
    }
}
