package io.virtio4j.vhostuser;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.Platform;

/**
 * The front-end's memory as mapped here: each region's spec and mapping, the guest-physical
 * {@link GuestMemory} over them, and the translation of front-end virtual addresses (which is what
 * SET_VRING_ADDR carries) to guest-physical ones. Immutable; ADD/REM_MEM_REG build a new table that
 * shares the untouched mappings. The table owns its mappings until {@link #close}. Fds and mappings
 * are closed and unmapped through the session's {@link Platform}.
 */
public final class MemoryTable implements AutoCloseable {
    private final Platform platform;
    private final List<MemoryRegionSpec> specs;
    private final List<FdMapping> mappings;
    private final GuestMemory memory;

    private MemoryTable(Platform platform, List<MemoryRegionSpec> specs, List<FdMapping> mappings) {
        this.platform = platform;
        this.specs = List.copyOf(specs);
        this.mappings = List.copyOf(mappings);
        List<GuestRegion> regions = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            MemoryRegionSpec s = specs.get(i);
            FdMapping m = mappings.get(i);
            regions.add(new GuestRegion(s.guestAddress(), m.region(), m.fd(), s.mmapOffset()));
        }
        this.memory = regions.isEmpty() ? null : GuestMemory.of(regions);
    }

    /** A table with no memory. */
    public static MemoryTable empty(Platform platform) {
        return new MemoryTable(platform, List.of(), List.of());
    }

    /**
     * Maps every region; takes ownership of all {@code fds} (one per spec, in order). On any failure
     * every fd is closed and every mapping made so far is unmapped.
     */
    public static MemoryTable map(Platform platform, List<MemoryRegionSpec> specs, int[] fds) {
        List<FdMapping> made = new ArrayList<>(specs.size());
        int next = 0;
        try {
            checkDisjoint(specs);
            for (; next < specs.size(); next++) {
                MemoryRegionSpec s = specs.get(next);
                int fd = fds[next];
                fds[next] = -1;
                made.add(FdMapping.map(platform, fd, s.mmapOffset(), s.size()));
            }
            return new MemoryTable(platform, specs, made);
        } catch (RuntimeException e) {
            made.forEach(FdMapping::close);
            for (int i = next; i < fds.length; i++) {
                Fds.close(platform, fds[i]);
            }
            throw e;
        }
    }

    private static void checkDisjoint(List<MemoryRegionSpec> specs) {
        for (int i = 0; i < specs.size(); i++) {
            for (int j = i + 1; j < specs.size(); j++) {
                if (specs.get(i).overlaps(specs.get(j))) {
                    throw VhostUserException.rejected(specs.get(i) + " overlaps " + specs.get(j));
                }
            }
        }
    }

    /**
     * A new table with one more region; this table's mappings are shared, the new one is owned by
     * the result. {@code fd} is owned here (closed on failure).
     */
    public MemoryTable withAdded(MemoryRegionSpec spec, int fd, int maxRegions) {
        try {
            if (specs.size() >= maxRegions) {
                throw VhostUserException.rejected("all " + maxRegions + " memory slots are in use");
            }
            for (MemoryRegionSpec s : specs) {
                if (s.overlaps(spec)) {
                    throw VhostUserException.rejected(spec + " overlaps " + s);
                }
            }
        } catch (RuntimeException e) {
            Fds.close(platform, fd);
            throw e;
        }
        FdMapping mapping = FdMapping.map(platform, fd, spec.mmapOffset(), spec.size());
        List<MemoryRegionSpec> s = new ArrayList<>(specs);
        List<FdMapping> m = new ArrayList<>(mappings);
        s.add(spec);
        m.add(mapping);
        try {
            return new MemoryTable(platform, s, m);
        } catch (RuntimeException e) {
            mapping.close();
            throw e;
        }
    }

    /** Index of the region matching {@code spec}'s guest address, size and user address, or -1. */
    public int indexOf(MemoryRegionSpec spec) {
        for (int i = 0; i < specs.size(); i++) {
            MemoryRegionSpec s = specs.get(i);
            if (s.guestAddress() == spec.guestAddress() && s.size() == spec.size() && s.userAddress() == spec.userAddress()) {
                return i;
            }
        }
        return -1;
    }

    /** A new table without region {@code index}; that region's mapping is returned for the caller to close. */
    public MemoryTable without(int index, FdMapping[] removed) {
        List<MemoryRegionSpec> s = new ArrayList<>(specs);
        List<FdMapping> m = new ArrayList<>(mappings);
        s.remove(index);
        removed[0] = m.remove(index);
        return new MemoryTable(platform, s, m);
    }

    /** The guest-physical memory, or null when no region is mapped. */
    public GuestMemory memory() {
        return memory;
    }

    /** Number of regions. */
    public int regionCount() {
        return specs.size();
    }

    /**
     * Translates a front-end virtual address range to guest-physical; the whole range must lie in
     * one region (rings are contiguous in both spaces only inside one region).
     *
     * @throws VhostUserException (rejected) when no region holds the whole range
     */
    public long userToGuest(long userAddress, long length) {
        for (MemoryRegionSpec s : specs) {
            long off = userAddress - s.userAddress();
            // Unsigned-safe: userAddress >= region start and the range ends inside the region.
            if (userAddress >= s.userAddress() && off < s.size() && length <= s.size() - off) {
                return s.guestAddress() + off;
            }
        }
        throw VhostUserException.rejected("front-end address range [0x%x, +%d) is outside every memory region"
                .formatted(userAddress, length));
    }

    /** Unmaps and closes every region this table holds. Only for the last table of a chain. */
    @Override
    public void close() {
        mappings.forEach(FdMapping::close);
    }
}
