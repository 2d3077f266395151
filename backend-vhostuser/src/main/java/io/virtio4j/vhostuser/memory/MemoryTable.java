package io.virtio4j.vhostuser.memory;

import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.transport.Fds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;

/**
 * The front-end's memory as mapped here: each region's spec and mapping, the guest-physical
 * {@link GuestMemory} over them, and the translation of front-end virtual addresses (which is what
 * SET_VRING_ADDR carries) to guest-physical ones. Immutable; ADD/REM_MEM_REG build a new table that
 * shares the untouched mappings. The table owns its mappings until {@link #close}. Fds and mappings
 * are closed and unmapped through the session's {@link Platform}.
 *
 * <p>Each region carries a reference count. QEMU (7.2) runs one vhost device per queue pair over
 * the same socket, and each sends ADD_MEM_REG for every RAM region, so the second pair's regions
 * arrive again, identical to the first's; later each sends REM_MEM_REG. An identical region (same
 * guest address, size, user address, file offset, and the same file by device and inode) is taken
 * as one more reference to the existing mapping, and the mapping goes only when the last reference
 * is removed. A region that merely overlaps one mapped is still refused.
 */
public final class MemoryTable implements AutoCloseable {
    private final Platform platform;
    private final List<MemoryRegionSpec> specs;
    private final List<FdMapping> mappings;
    /** Per region, how many ADD_MEM_REG (or the one SET_MEM_TABLE) refer to it; each at least 1. */
    private final int[] references;
    private final GuestMemory memory;

    private MemoryTable(Platform platform, List<MemoryRegionSpec> specs, List<FdMapping> mappings) {
        this(platform, specs, mappings, ones(specs.size()));
    }

    private MemoryTable(Platform platform, List<MemoryRegionSpec> specs, List<FdMapping> mappings, int[] references) {
        this.platform = platform;
        this.specs = List.copyOf(specs);
        this.mappings = List.copyOf(mappings);
        this.references = references;
        List<GuestRegion> regions = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            MemoryRegionSpec s = specs.get(i);
            FdMapping m = mappings.get(i);
            regions.add(new GuestRegion(s.guestAddress(), m.region(), m.fd(), s.mmapOffset()));
        }
        this.memory = regions.isEmpty() ? null : GuestMemory.of(regions);
    }

    /** The same regions and guest memory with other reference counts. */
    private MemoryTable(MemoryTable regions, int[] references) {
        this.platform = regions.platform;
        this.specs = regions.specs;
        this.mappings = regions.mappings;
        this.references = references;
        this.memory = regions.memory;
    }

    private static int[] ones(int n) {
        int[] r = new int[n];
        Arrays.fill(r, 1);
        return r;
    }

    /** A table with no memory. */
    public static MemoryTable empty(Platform platform) {
        return new MemoryTable(platform, List.of(), List.of());
    }

    /**
     * Maps every region; takes ownership of all {@code fds} (one per spec, in order): each passes
     * to its region's {@link FdMapping}. On any failure every fd not yet handed over is closed and
     * every mapping made so far is unmapped.
     */
    public static MemoryTable map(Platform platform, List<MemoryRegionSpec> specs, OwnedFd[] fds) {
        List<FdMapping> made = new ArrayList<>(specs.size());
        try {
            checkDisjoint(specs);
            for (int i = 0; i < specs.size(); i++) {
                MemoryRegionSpec s = specs.get(i);
                // FdMapping.map owns the fd from here on, closing it itself if it fails.
                made.add(FdMapping.map(platform, fds[i].release(), s.mmapOffset(), s.size()));
            }
            return new MemoryTable(platform, specs, made);
        } catch (RuntimeException e) {
            made.forEach(FdMapping::close);
            for (OwnedFd fd : fds) {
                fd.closeAfter(e); // a no-op for the fds already handed over
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
     * A new table with one more region, or, when {@code spec} and {@code fd} are identical to a
     * region already mapped, with one more reference to it ({@code fd} is then closed at once). This
     * table's mappings are shared; a new one is owned by the result. {@code fd} is owned here (closed
     * on failure).
     *
     * @param maxReferences how many references one region may hold (one per vhost device, i.e. per
     *                      queue pair: a bound on what a front-end can make the table count)
     */
    public MemoryTable withAdded(MemoryRegionSpec spec, int fd, int maxRegions, int maxReferences) {
        try {
            int same = identicalRegion(spec, fd);
            if (same >= 0) {
                if (references[same] >= maxReferences) {
                    throw VhostUserException.rejected(spec + " is already mapped " + references[same] + " times (at most "
                            + maxReferences + ", one per queue pair)");
                }
                Fds.close(platform, fd);
                int[] r = references.clone();
                r[same]++;
                return new MemoryTable(this, r);
            }
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
        int[] r = Arrays.copyOf(references, references.length + 1);
        r[references.length] = 1;
        try {
            return new MemoryTable(platform, s, m, r);
        } catch (RuntimeException e) {
            mapping.close();
            throw e;
        }
    }

    /**
     * Whether {@link #withAdded} of {@code spec} and {@code fd} would map a new region (rather than
     * count one more reference to an identical one). Only reads the fd's identity (fstat).
     */
    public boolean addsMapping(MemoryRegionSpec spec, int fd) {
        return identicalRegion(spec, fd) < 0;
    }

    /** The bytes of guest memory this table maps: its regions' sizes summed (each region once). */
    public long mappedBytes() {
        return sizeOf(specs);
    }

    /** The regions' sizes summed, saturating at {@link Long#MAX_VALUE} (each size is below 2^63). */
    public static long sizeOf(List<MemoryRegionSpec> regions) {
        long total = 0;
        for (MemoryRegionSpec s : regions) {
            total = s.size() > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + s.size();
        }
        return total;
    }

    /** Index of the region equal to {@code spec} whose mapping maps the file {@code fd} names, or -1. */
    private int identicalRegion(MemoryRegionSpec spec, int fd) {
        int index = specs.indexOf(spec);
        if (index < 0) {
            return -1;
        }
        return mappings.get(index).mapsFile(FileStat.of(platform, fd)) ? index : -1;
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

    /**
     * A new table with one reference less to region {@code index}. When that was its last
     * reference, the region is gone from the result and its mapping is stored in {@code removed[0]}
     * for the caller to close (after the data path stopped using it); otherwise {@code removed[0]}
     * is null and the result shares this table's guest memory.
     */
    public MemoryTable without(int index, FdMapping[] removed) {
        if (references[index] > 1) {
            int[] r = references.clone();
            r[index]--;
            removed[0] = null;
            return new MemoryTable(this, r);
        }
        List<MemoryRegionSpec> s = new ArrayList<>(specs);
        List<FdMapping> m = new ArrayList<>(mappings);
        s.remove(index);
        removed[0] = m.remove(index);
        int[] r = new int[references.length - 1];
        System.arraycopy(references, 0, r, 0, index);
        System.arraycopy(references, index + 1, r, index, r.length - index);
        return new MemoryTable(platform, s, m, r);
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

    /** Whether every region's file still holds all its mapped bytes (see {@link FdMapping#intact}). */
    public boolean intact() {
        for (FdMapping m : mappings) {
            if (!m.intact()) {
                return false;
            }
        }
        return true;
    }

    /** Unmaps and closes every region this table holds. Only for the last table of a chain. */
    @Override
    public void close() {
        mappings.forEach(FdMapping::close);
    }
}
