package io.virtio4j.api.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.virtio4j.api.memory.GuestMemoryException.Kind;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;

/**
 * Guest memory that another process can map: the backing QEMU uses for vhost-user
 * ({@code memory-backend-memfd,share=on}) and that vhost-net needs.
 *
 * <p>Layout: one memfd holds every region, one after another in guest-address order, each at a
 * page-aligned file offset; each region is a separate {@code MAP_SHARED} mapping of its slice of the
 * file. So every {@link GuestRegion} carries the same {@link GuestRegion#fd()} and its own
 * {@link GuestRegion#fdOffset()}: exactly the (fd, mmap_offset, memory_size) triple a vhost-user
 * SET_MEM_TABLE region or a vhost-net memory table needs, and one fd to send instead of one per
 * region.
 *
 * <p>Hostile peers: the file is sealed against shrinking and growing ({@code F_SEAL_SHRINK |
 * F_SEAL_GROW | F_SEAL_SEAL}, as QEMU's memfd backend does), so a peer holding the fd cannot
 * truncate it and make our next access to the mapping die with SIGBUS.
 *
 * <p>Lifetime: the segments in {@link #memory()} belong to a shared arena that {@link #close()}
 * closes before it unmaps, so Java access after close fails with {@link IllegalStateException}
 * instead of touching unmapped memory. Close unmaps and closes the fd exactly once.
 */
public final class MemfdGuestMemory implements AutoCloseable {
    /** Region sizes and file offsets are multiples of this (the x86-64/aarch64 base page). */
    public static final long PAGE_SIZE = 4096;

    /**
     * One guest-physical range to back.
     *
     * @param guestBase guest-physical address of its first byte
     * @param size      bytes, a positive multiple of {@link #PAGE_SIZE}
     */
    public record Range(long guestBase, long size) {
        /** Validates the size (overflow and overlap are checked when the memory is built). */
        public Range {
            if (size <= 0 || size % PAGE_SIZE != 0) {
                throw new GuestMemoryException(Kind.BAD_REGION, guestBase, size,
                        "region size %d at 0x%x is not a positive multiple of %d".formatted(size, guestBase, PAGE_SIZE));
            }
        }
    }

    private final Platform platform;
    /** Owns the memfd; {@link #fd} is its number, which every region carries. */
    private final OwnedFd memfd;
    private final int fd;
    private final long fileSize;
    /** The mappings as mmap returned them (global scope), kept to munmap them. */
    private final List<MemorySegment> mappings;
    /** Scope of every segment handed out through {@link #memory}; closed first on close. */
    private final Arena arena;
    private final GuestMemory memory;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MemfdGuestMemory(Platform platform, OwnedFd memfd, long fileSize, List<MemorySegment> mappings, Arena arena,
                             GuestMemory memory) {
        this.platform = platform;
        this.memfd = memfd;
        this.fd = memfd.get();
        this.fileSize = fileSize;
        this.mappings = mappings;
        this.arena = arena;
        this.memory = memory;
    }

    /** One region of {@code size} bytes at {@code guestBase}, on the Linux platform. */
    public static MemfdGuestMemory create(String name, long guestBase, long size) {
        return create(Platform.linux(), name, List.of(new Range(guestBase, size)));
    }

    /**
     * Backs {@code ranges} with one sealed memfd named {@code name} (shown in /proc/PID/maps as
     * {@code /memfd:name}).
     *
     * @throws GuestMemoryException if the ranges overlap, overflow or are too many
     * @throws io.virtio4j.api.platform.NativeException if a system call fails (nothing is left
     *         open or mapped then)
     */
    public static MemfdGuestMemory create(Platform platform, String name, List<Range> ranges) {
        if (ranges.isEmpty() || ranges.size() > GuestMemory.MAX_REGIONS) {
            throw new GuestMemoryException(Kind.BAD_REGION, 0, 0,
                    "a guest memory needs 1.." + GuestMemory.MAX_REGIONS + " regions, got " + ranges.size());
        }
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::guestBase));
        long fileSize = 0;
        for (Range r : sorted) {
            if (Long.MAX_VALUE - fileSize < r.size()) {
                throw new GuestMemoryException(Kind.OVERFLOW, r.guestBase(), r.size(), "total size overflows");
            }
            fileSize += r.size();
        }

        OwnedFd memfd = OwnedFd.adopt(platform,
                platform.memfdCreate(name, LinuxConstants.MFD_CLOEXEC | LinuxConstants.MFD_ALLOW_SEALING));
        int fd = memfd.get();
        List<MemorySegment> mappings = new ArrayList<>(sorted.size());
        Arena arena = Arena.ofShared();
        try {
            platform.ftruncate(fd, fileSize);
            platform.fcntl(fd, LinuxConstants.F_ADD_SEALS,
                    LinuxConstants.F_SEAL_SHRINK | LinuxConstants.F_SEAL_GROW | LinuxConstants.F_SEAL_SEAL);
            List<GuestRegion> regions = new ArrayList<>(sorted.size());
            long offset = 0;
            for (Range r : sorted) {
                // In bounds: [offset, offset + size) lies inside the file, whose size is the sum of all sizes.
                MemorySegment mapping = platform.mmap(r.size(),
                        LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE, LinuxConstants.MAP_SHARED, fd, offset);
                mappings.add(mapping);
                // Same address and size, but invalidated when arena closes, before the munmap.
                MemorySegment scoped = mapping.reinterpret(arena, null);
                regions.add(new GuestRegion(r.guestBase(), scoped, fd, offset));
                offset += r.size();
            }
            GuestMemory memory = GuestMemory.of(regions);
            return new MemfdGuestMemory(platform, memfd, fileSize, mappings, arena, memory);
        } catch (RuntimeException e) {
            arena.close();
            release(platform, mappings, memfd, e);
            throw e;
        }
    }

    /** The guest memory; its segments are valid until {@link #close()}. */
    public GuestMemory memory() {
        return memory;
    }

    /** The memfd every region maps (for SCM_RIGHTS to a vhost-user peer, or vhost-net). Owned here. */
    public int fd() {
        return fd;
    }

    /** Size of the memfd: the sum of the region sizes. */
    public long fileSize() {
        return fileSize;
    }

    /** Whether {@link #close()} has completed. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Invalidates every segment, unmaps every region and closes the memfd; later calls do nothing.
     *
     * @throws IllegalStateException if a segment is in use by a native call in progress (then
     *                               nothing is released and close may be called again)
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            arena.close();
        } catch (IllegalStateException inUse) {
            closed.set(false);
            throw inUse;
        }
        RuntimeException failure = release(platform, mappings, memfd, null);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Unmaps what was mapped and closes the fd, attempting every step even if one fails.
     *
     * @return the first failure (later ones suppressed into it), or null; suppressed into
     *         {@code cause} instead when one is given
     */
    private static RuntimeException release(Platform platform, List<MemorySegment> mappings, OwnedFd fd, RuntimeException cause) {
        RuntimeException first = cause;
        for (MemorySegment mapping : mappings) {
            first = attempt(() -> platform.munmap(mapping), first);
        }
        first = attempt(fd::close, first);
        return cause == null ? first : null;
    }

    private static RuntimeException attempt(Runnable step, RuntimeException first) {
        try {
            step.run();
            return first;
        } catch (RuntimeException e) {
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
            return first;
        }
    }

    @Override
    public String toString() {
        return "MemfdGuestMemory[fd=" + fd + ", " + fileSize + " bytes, " + memory + "]";
    }
}
