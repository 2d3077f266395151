package io.virtio4j.api.memory;

import java.lang.foreign.MemorySegment;

/**
 * The guest region a queue (or a chain cursor) hit last, so that steady-state translation is two
 * compares instead of a binary search per buffer: as DPDK's per-virtqueue guest page cache. A
 * range is first checked against the cached region (overflow-safe); only a miss searches the
 * memory's regions and makes the region found current.
 *
 * <p>Single-threaded, owned by one queue or cursor: nothing here is shared between threads, so
 * PMD threads never write a common cache line (the memory itself is immutable).
 *
 * <p>Never stale: the cache belongs to one {@link GuestMemory} instance, and a memory map is
 * immutable, so a cached region is valid exactly as long as that instance is. A new map (vhost-user
 * SET_MEM_TABLE, ADD/REM_MEM_REG, a device reset) is a new instance: a queue built over the new
 * memory gets a new cache, and {@link #bind} drops the cached region as soon as it is handed any
 * other instance. The owner of a memory unmaps it only after the queues using it stopped.
 */
public final class RegionCache {
    private GuestMemory memory;
    /** The current region: [base, end) in guest addresses, backed by segment. base > end when empty. */
    private long base = Long.MAX_VALUE;
    private long end = Long.MIN_VALUE;
    private MemorySegment segment = MemorySegment.NULL;
    private long misses;

    /** A cache bound to {@code memory}, holding no region yet. */
    public RegionCache(GuestMemory memory) {
        bind(memory);
    }

    /** A cache bound to no memory: {@link #bind} before use. */
    public RegionCache() {
    }

    /**
     * Binds the cache to {@code memory}. Handing it another instance than the one it serves drops
     * the cached region, so a region of a replaced map can never answer a lookup.
     */
    public void bind(GuestMemory memory) {
        if (memory != this.memory) {
            this.memory = memory;
            invalidate();
        }
    }

    /** Drops the cached region; the next lookup searches. */
    public void invalidate() {
        base = Long.MAX_VALUE;
        end = Long.MIN_VALUE;
        segment = MemorySegment.NULL;
    }

    /** The memory this cache serves (null if unbound). */
    public GuestMemory memory() {
        return memory;
    }

    /**
     * Makes the region holding {@code address} current and returns how many bytes lie from
     * {@code address} to that region's end (at least 1), or -1 when {@code address} is unmapped
     * (the cached region is then unchanged).
     */
    public long locate(long address) {
        // Hit: base <= address < end. An empty cache (base > end) never hits.
        if (address >= base && address < end) {
            return end - address;
        }
        int r = memory.regionIndexOf(address);
        if (r < 0) {
            return -1;
        }
        GuestRegion region = memory.region(r);
        base = region.guestBase();
        end = region.end();
        segment = region.segment();
        misses++;
        return end - address;
    }

    /**
     * Whether every byte of [{@code address}, {@code address + length}) is mapped, possibly across
     * adjacent regions (as {@link GuestMemory#isMapped}). A range wholly inside the cached region
     * costs two compares; a range that leaves it (a straddle, or another region) is checked region
     * by region. Overflow-safe: a range wrapping past 2^63 is refused (address + run is a region's
     * end, so it cannot overflow; {@link GuestMemory#isMapped} refuses the rest if it would).
     */
    public boolean isMapped(long address, long length) {
        if (length <= 0) {
            return length == 0;
        }
        // Hit, without overflow: address >= base >= 0, so end - address cannot overflow, and a
        // range reaching past end fails length <= end - address whatever address + length would be.
        if (address >= base && length <= end - address) {
            return true;
        }
        // Miss: make the start's region current; a range that runs past it (a straddle) is
        // proven for the rest by the memory, region by region.
        long run = locate(address);
        if (run < 0) {
            return false;
        }
        return run >= length || memory.isMapped(address + run, length - run);
    }

    /**
     * The host slice of a range that must lie wholly inside one region (an indirect table), found
     * through the cache.
     *
     * @throws GuestMemoryException {@link GuestMemoryException.Kind#UNMAPPED},
     *                              {@link GuestMemoryException.Kind#CROSSES_REGION} or
     *                              {@link GuestMemoryException.Kind#OVERFLOW}
     */
    public MemorySegment slice(long address, long length) {
        if (length >= 0 && address >= base && length <= end - address) {
            // In bounds: [address - base, + length) lies in the current region, proven just above.
            return segment.asSlice(address - base, length);
        }
        MemorySegment slice = memory.slice(address, length);
        locate(address);
        return slice;
    }

    /** The current region's host segment (after a {@link #locate} or {@link #isMapped} that succeeded). */
    public MemorySegment segment() {
        return segment;
    }

    /** Offset of {@code address} in {@link #segment()}; meaningful for an address the last lookup placed in it. */
    public long offset(long address) {
        return address - base;
    }

    /** Reports a device write of the range to the memory's dirty log, if one is installed. */
    public void markWritten(long address, long length) {
        memory.markWritten(address, length);
    }

    /** Lookups that missed the cached region and searched (for tests and diagnostics). */
    public long misses() {
        return misses;
    }
}
