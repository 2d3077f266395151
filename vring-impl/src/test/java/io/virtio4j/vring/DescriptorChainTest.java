package io.virtio4j.vring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

/**
 * A chain starts small and grows to the longest legal chain when one comes: every buffer of a
 * long chain is kept, one past the capacity is still refused, and a short chain after a long one
 * reads as itself.
 */
class DescriptorChainTest {
    private final GuestMemory memory = GuestMemory.of(GuestRegion.of(0, Arena.ofAuto().allocate(0x10000, 4096)));
    private final ChainWalker walker = new ChainWalker(memory, true);

    @Test
    void aChainGrowsToItsCapacityKeepingEveryBufferAndRefusesOneMore() {
        DescriptorChain chain = new DescriptorChain(1024);
        walker.begin(chain, 7);
        for (int i = 0; i < 1024; i++) {
            // Readable first, then writable, as the walker requires.
            assertNull(walker.buffer(16L * i, 16 + i % 3, i >= 1000, chain), "buffer " + i);
        }
        assertEquals(ChainError.CHAIN_TOO_LONG, walker.buffer(0x8000, 16, true, chain));
        assertEquals(1024, chain.count());
        assertEquals(1000, chain.readableCount());
        for (int i = 0; i < 1024; i++) {
            assertEquals(16L * i, chain.address(i), "address " + i);
            assertEquals(16 + i % 3, chain.length(i), "length " + i);
        }
        walker.begin(chain, 3);
        assertNull(walker.buffer(0x4000, 64, false, chain));
        assertEquals(1, chain.count());
        assertEquals(0x4000, chain.address(0));
        assertEquals(64, chain.readableBytes());
        assertThrows(IndexOutOfBoundsException.class, () -> chain.address(1));
    }

    @Test
    void aChainOfOneBufferAtMostTakesOne() {
        DescriptorChain chain = new DescriptorChain(1);
        walker.begin(chain, 0);
        assertNull(walker.buffer(0, 16, false, chain));
        assertEquals(ChainError.CHAIN_TOO_LONG, walker.buffer(16, 16, false, chain));
        assertThrows(IllegalArgumentException.class, () -> new DescriptorChain(0));
    }
}
