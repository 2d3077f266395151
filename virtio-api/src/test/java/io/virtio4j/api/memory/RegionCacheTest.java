package io.virtio4j.api.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.memory.GuestMemoryException.Kind;

class RegionCacheTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private GuestMemory threeRegions() {
        return GuestMemoryTest.threeRegions(arena);
    }

    @Test
    void aRangeInsideTheCachedRegionIsAHitWithoutASearch() {
        GuestMemory mem = threeRegions();
        RegionCache cache = new RegionCache(mem);
        assertTrue(cache.isMapped(0x1010, 16));
        assertEquals(1, cache.misses(), "the first lookup searches");
        for (int i = 0; i < 100; i++) {
            assertTrue(cache.isMapped(0x1000 + 16L * i, 16));
        }
        assertTrue(cache.isMapped(0x1000, 0x1000), "the whole region, up to its last byte");
        assertEquals(1, cache.misses(), "every later range in the same region is a hit");
        assertSame(mem.region(0).segment(), cache.segment());
        assertEquals(0x10, cache.offset(0x1010));
    }

    @Test
    void aMissSearchesAndMakesTheNewRegionCurrent() {
        GuestMemory mem = threeRegions();
        RegionCache cache = new RegionCache(mem);
        assertTrue(cache.isMapped(0x1010, 16));
        assertTrue(cache.isMapped(0x10010, 16));
        assertEquals(2, cache.misses());
        assertSame(mem.region(2).segment(), cache.segment());
        assertEquals(0xf0, cache.locate(0x10010), "bytes to the region's end");
        assertEquals(2, cache.misses(), "now a hit");
        assertFalse(cache.isMapped(0x5000, 1), "unmapped");
        assertEquals(-1, cache.locate(0x5000));
        assertSame(mem.region(2).segment(), cache.segment(), "a failed lookup leaves the cached region alone");
    }

    @Test
    void aRangeStraddlingTheCachedRegionsEndIsNeverAnsweredFromTheCache() {
        GuestMemory mem = threeRegions();
        RegionCache cache = new RegionCache(mem);
        // Region 1 [0x2000, 0x3000) is current; a gap follows it. A range starting inside it and
        // running past its end must be refused: starting in the cached region proves nothing.
        assertTrue(cache.isMapped(0x2800, 16));
        assertSame(mem.region(1).segment(), cache.segment());
        assertFalse(cache.isMapped(0x2ff8, 16), "runs 8 bytes into the gap after region 1");
        assertFalse(cache.isMapped(0x2000, 0x1001), "one byte past region 1");
        // Region 0 is adjacent to region 1: a straddle from it is mapped, proven region by region.
        assertTrue(cache.isMapped(0x1800, 16));
        assertSame(mem.region(0).segment(), cache.segment());
        assertTrue(cache.isMapped(0x1ff8, 16), "into the adjacent region 1");
        assertTrue(cache.isMapped(0x1000, 0x2000), "both adjacent regions whole");
        assertFalse(cache.isMapped(0x1000, 0x2001), "and one byte into the gap");
        // Region 2 ends at 0x10100 and nothing follows.
        assertTrue(cache.isMapped(0x10000, 0x100));
        assertFalse(cache.isMapped(0x100f8, 16));
        // One region at a time: slice refuses a range spanning two regions even when both are mapped.
        GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> cache.slice(0x1ff8, 16));
        assertEquals(Kind.CROSSES_REGION, e.kind());
    }

    @Test
    void hostileLengthsAndAddressesAreRefusedWithoutOverflow() {
        GuestMemory mem = GuestMemory.of(GuestRegion.of(0x1000, arena.allocate(0x1000)));
        RegionCache cache = new RegionCache(mem);
        assertTrue(cache.isMapped(0x1000, 8));
        assertFalse(cache.isMapped(0x1000, Long.MAX_VALUE), "address + length overflows");
        assertFalse(cache.isMapped(0x1008, -8), "negative length");
        assertFalse(cache.isMapped(-1L, 16), "an address at or above 2^63");
        assertFalse(cache.isMapped(Long.MAX_VALUE, 1));
        assertFalse(cache.isMapped(0x1fff, 2), "one byte past the region");
        assertTrue(cache.isMapped(0x1fff, 1), "the region's last byte");
        assertTrue(cache.isMapped(0x9999_0000L, 0), "an empty range touches nothing");
        assertThrows(GuestMemoryException.class, () -> cache.slice(0x1000, -1));
        assertThrows(GuestMemoryException.class, () -> cache.slice(0x1ff0, 0x20));
    }

    @Test
    void aNewMemoryMapDropsTheCachedRegion() {
        GuestMemory old = threeRegions();
        RegionCache cache = new RegionCache(old);
        assertTrue(cache.isMapped(0x1000, 16));
        // SET_MEM_TABLE: the same guest addresses, now backed by other host memory.
        MemorySegment fresh = arena.allocate(0x1000);
        fresh.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
        GuestMemory replaced = GuestMemory.of(GuestRegion.of(0x1000, fresh));
        cache.bind(replaced);
        assertSame(replaced, cache.memory());
        long misses = cache.misses();
        assertEquals(0x1000, cache.locate(0x1000));
        assertEquals(misses + 1, cache.misses(), "the first lookup after a new map searches the new map");
        assertSame(fresh, cache.segment(), "the old region's host memory is never used again");
        assertEquals(42, cache.segment().get(ValueLayout.JAVA_BYTE, cache.offset(0x1000)));
        // Addresses only the old map had are unmapped now, even though the cache once held them.
        assertFalse(cache.isMapped(0x2000, 16));
        // Binding the same instance again keeps the region: no search.
        cache.bind(replaced);
        misses = cache.misses();
        assertTrue(cache.isMapped(0x1000, 16));
        assertEquals(misses, cache.misses());
    }

    @Test
    void invalidateForcesASearch() {
        RegionCache cache = new RegionCache(threeRegions());
        assertTrue(cache.isMapped(0x1000, 16));
        cache.invalidate();
        assertTrue(cache.isMapped(0x1000, 16));
        assertEquals(2, cache.misses());
    }

    @Test
    void sliceComesFromTheCachedRegion() {
        GuestMemory mem = threeRegions();
        mem.region(2).segment().set(ValueLayout.JAVA_BYTE, 0x20, (byte) 7);
        RegionCache cache = new RegionCache(mem);
        MemorySegment s = cache.slice(0x10020, 0x10);
        assertEquals(7, s.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x10, s.byteSize());
        long misses = cache.misses();
        cache.slice(0x10000, 0x100);
        assertEquals(misses, cache.misses(), "a slice in the cached region does not search");
    }
}
