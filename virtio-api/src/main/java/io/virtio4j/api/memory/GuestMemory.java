package io.virtio4j.api.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import io.virtio4j.api.memory.GuestMemoryException.Kind;

/**
 * Guest-physical memory: an immutable, sorted set of non-overlapping {@link GuestRegion}s.
 *
 * <p>Every access a device makes on behalf of a driver goes through here, and every one is
 * bounds-checked against the regions first: a driver-supplied address is never turned into a host
 * access until this class has proven the whole range lies inside backing memory. Ranges may span
 * adjacent regions (a guest buffer that is contiguous in guest-physical space need not be contiguous
 * on the host); the copy methods split such ranges, {@link #slice} refuses them.
 *
 * <p>Thread safety: immutable (the dirty log aside, a volatile reference), so PMD threads sharing a
 * memory never write a common cache line. Hot paths translate through their own {@link RegionCache}
 * (one per queue or chain cursor) rather than a search per buffer. A new memory map (vhost-user
 * SET_MEM_TABLE) is a new instance, swapped in by the owner.
 */
public final class GuestMemory {
    /** The most regions a memory may have (vhost-user's CONFIGURE_MEM_SLOTS limit is 509). */
    public static final int MAX_REGIONS = 512;

    private final GuestRegion[] regions;
    /** guestBase of each region, for a branch-light binary search. */
    private final long[] bases;
    /** end (exclusive) of each region. */
    private final long[] ends;
    private volatile DirtyLog dirtyLog;

    private GuestMemory(GuestRegion[] sorted) {
        this.regions = sorted;
        this.bases = new long[sorted.length];
        this.ends = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            bases[i] = sorted[i].guestBase();
            ends[i] = sorted[i].end();
        }
    }

    /**
     * Builds a memory from regions in any order.
     *
     * @throws GuestMemoryException ({@link Kind#OVERLAP}, {@link Kind#BAD_REGION}) if two regions
     *                              overlap or there are none or too many
     */
    public static GuestMemory of(List<GuestRegion> regions) {
        if (regions.isEmpty() || regions.size() > MAX_REGIONS) {
            throw new GuestMemoryException(Kind.BAD_REGION, 0, 0,
                    "a guest memory needs 1.." + MAX_REGIONS + " regions, got " + regions.size());
        }
        GuestRegion[] sorted = regions.toArray(GuestRegion[]::new);
        Arrays.sort(sorted, Comparator.comparingLong(GuestRegion::guestBase));
        for (int i = 1; i < sorted.length; i++) {
            GuestRegion prev = sorted[i - 1];
            GuestRegion next = sorted[i];
            if (next.guestBase() < prev.end()) {
                throw new GuestMemoryException(Kind.OVERLAP, next.guestBase(), next.size(),
                        "region [0x%x, 0x%x) overlaps [0x%x, 0x%x)".formatted(
                                next.guestBase(), next.end(), prev.guestBase(), prev.end()));
            }
        }
        return new GuestMemory(sorted);
    }

    /** Builds a memory from regions in any order. */
    public static GuestMemory of(GuestRegion... regions) {
        return of(List.of(regions));
    }

    /**
     * One region of private anonymous memory, page aligned, zeroed, freed with {@code arena}.
     * Not shareable with another process; use a memfd backing for vhost-user and vhost-net.
     */
    public static GuestMemory anonymous(Arena arena, long guestBase, long size) {
        return of(GuestRegion.of(guestBase, arena.allocate(size, 4096)));
    }

    /** Number of regions. */
    public int regionCount() {
        return regions.length;
    }

    /** Region {@code index}, in ascending guest-address order. */
    public GuestRegion region(int index) {
        return regions[index];
    }

    /** All regions, in ascending guest-address order. */
    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** Total bytes mapped. */
    public long totalSize() {
        long total = 0;
        for (GuestRegion r : regions) {
            total += r.size();
        }
        return total;
    }

    /** Installs (or with null removes) the observer of device writes. */
    public void dirtyLog(DirtyLog log) {
        this.dirtyLog = log;
    }

    /**
     * Index of the region holding {@code address}, or -1 when it is unmapped: a binary search (a
     * {@link RegionCache} answers repeated lookups without one).
     */
    public int regionIndexOf(long address) {
        int lo = 0;
        int hi = bases.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (address < bases[mid]) {
                hi = mid - 1;
            } else if (address >= ends[mid]) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Whether every byte of [{@code address}, {@code address + length}) is mapped. */
    public boolean isMapped(long address, long length) {
        if (length < 0 || (length > 0 && Long.MAX_VALUE - address < length - 1)) {
            return false;
        }
        long cursor = address;
        long remaining = length;
        while (remaining > 0) {
            int r = regionIndexOf(cursor);
            if (r < 0) {
                return false;
            }
            long run = Math.min(remaining, ends[r] - cursor);
            cursor += run;
            remaining -= run;
        }
        return true;
    }

    /**
     * Throws unless every byte of the range is mapped (possibly across several regions).
     *
     * @throws GuestMemoryException {@link Kind#OVERFLOW} or {@link Kind#UNMAPPED}
     */
    public void checkRange(long address, long length) {
        checkArithmetic(address, length);
        if (!isMapped(address, length)) {
            throw unmapped(address, length);
        }
    }

    /**
     * Translates the start of a guest range: the host slice of the part that lies in the first
     * region, and how long that part is. Callers loop to cover a range that spans regions.
     *
     * @throws GuestMemoryException if {@code address} is unmapped or the arithmetic overflows
     */
    public Translation translate(long address, long length, Access access) {
        checkArithmetic(address, length);
        int r = regionIndexOf(address);
        if (r < 0 || length == 0) {
            throw unmapped(address, length);
        }
        long offset = address - bases[r];
        long run = Math.min(length, ends[r] - address);
        if (access == Access.WRITE) {
            markWritten(address, run);
        }
        // In bounds: offset < region size (address is inside region r) and run <= size - offset.
        return new Translation(regions[r].segment().asSlice(offset, run), run);
    }

    /**
     * The host slice of a range that must lie wholly inside one region (a ring, a header).
     *
     * @throws GuestMemoryException {@link Kind#UNMAPPED} or {@link Kind#CROSSES_REGION}
     */
    public MemorySegment slice(long address, long length) {
        checkArithmetic(address, length);
        int r = regionIndexOf(address);
        if (r < 0) {
            throw unmapped(address, length);
        }
        long offset = address - bases[r];
        if (length > ends[r] - address) {
            Kind kind = isMapped(address, length) ? Kind.CROSSES_REGION : Kind.UNMAPPED;
            throw new GuestMemoryException(kind, address, length,
                    "guest range [0x%x, +%d) %s".formatted(address, length,
                            kind == Kind.CROSSES_REGION ? "spans two regions" : "is not wholly mapped"));
        }
        // In bounds: offset + length <= region size, proven just above.
        return regions[r].segment().asSlice(offset, length);
    }

    /**
     * Copies {@code length} bytes of guest memory at {@code address} into {@code dst} at
     * {@code dstOffset}, across region boundaries. Allocation-free.
     *
     * @throws GuestMemoryException if any byte of the range is unmapped (nothing is copied)
     * @throws IndexOutOfBoundsException if {@code dst} is too small
     */
    public void read(long address, MemorySegment dst, long dstOffset, long length) {
        transfer(address, dst, dstOffset, length, false);
    }

    /**
     * Copies {@code length} bytes from {@code src} at {@code srcOffset} into guest memory at
     * {@code address}, across region boundaries, and reports the write to the dirty log.
     * Allocation-free.
     *
     * @throws GuestMemoryException if any byte of the range is unmapped (nothing is written)
     */
    public void write(long address, MemorySegment src, long srcOffset, long length) {
        transfer(address, src, srcOffset, length, true);
        markWritten(address, length);
    }

    /** Copies between guest memory and a host segment, split at region boundaries. */
    private void transfer(long address, MemorySegment host, long hostOffset, long length, boolean toGuest) {
        checkRange(address, length);
        long cursor = address;
        long done = 0;
        while (done < length) {
            int r = regionIndexOf(cursor);
            long offset = cursor - bases[r];
            long run = Math.min(length - done, ends[r] - cursor);
            // In bounds: checkRange proved [address, address+length) is mapped, and run stops at the region end.
            if (toGuest) {
                MemorySegment.copy(host, hostOffset + done, regions[r].segment(), offset, run);
            } else {
                MemorySegment.copy(regions[r].segment(), offset, host, hostOffset + done, run);
            }
            cursor += run;
            done += run;
        }
    }

    /**
     * Copies guest to guest: {@code length} bytes from {@code source} memory at {@code srcAddress}
     * into this memory at {@code dstAddress}. The switch's one copy per frame. Allocation-free.
     *
     * @throws GuestMemoryException if either range is not wholly mapped (nothing is copied)
     */
    public void copyFrom(GuestMemory source, long srcAddress, long dstAddress, long length) {
        source.checkRange(srcAddress, length);
        checkRange(dstAddress, length);
        long done = 0;
        while (done < length) {
            long s = srcAddress + done;
            long d = dstAddress + done;
            int sr = source.regionIndexOf(s);
            int dr = regionIndexOf(d);
            long run = Math.min(length - done, Math.min(source.ends[sr] - s, ends[dr] - d));
            // In bounds: both ranges proven mapped; run stops at whichever region ends first.
            MemorySegment.copy(source.regions[sr].segment(), s - source.bases[sr],
                    regions[dr].segment(), d - bases[dr], run);
            done += run;
        }
        markWritten(dstAddress, length);
    }

    /** Reads a little-endian 16-bit value (virtio 1.x is little-endian). */
    public short readShort(long address) {
        return slice(address, 2).get(LE_SHORT, 0);
    }

    /** Reads a little-endian 32-bit value. */
    public int readInt(long address) {
        return slice(address, 4).get(LE_INT, 0);
    }

    /** Reads a little-endian 64-bit value. */
    public long readLong(long address) {
        return slice(address, 8).get(LE_LONG, 0);
    }

    /** Reports a device write to the dirty log, if one is installed (also for {@link RegionCache}). */
    void markWritten(long address, long length) {
        DirtyLog log = dirtyLog;
        if (log != null) {
            log.markWritten(address, length);
        }
    }

    private static void checkArithmetic(long address, long length) {
        if (length < 0 || address < 0 || (length > 0 && Long.MAX_VALUE - address < length)) {
            throw new GuestMemoryException(Kind.OVERFLOW, address, length,
                    "guest range [0x%x, +%d) overflows".formatted(address, length));
        }
    }

    private static GuestMemoryException unmapped(long address, long length) {
        return new GuestMemoryException(Kind.UNMAPPED, address, length,
                "guest range [0x%x, +%d) is not mapped".formatted(address, length));
    }

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("GuestMemory[");
        for (GuestRegion r : regions) {
            sb.append(" [0x").append(Long.toHexString(r.guestBase())).append(", 0x")
                    .append(Long.toHexString(r.end())).append(')');
        }
        return sb.append(" ]").toString();
    }
}
