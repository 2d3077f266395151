package io.virtio4j.vhostuser.memory;

import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.transport.Fds;

import io.virtio4j.api.log.RateLimitedLog;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;

import org.slf4j.LoggerFactory;

/**
 * A MAP_SHARED mapping of [0, offset + length) of a file the peer sent, and the fd, both owned:
 * {@link #close} unmaps and closes. Before mapping, the fd must be a regular file (memfd, hugetlbfs,
 * tmpfs) at least {@code offset + length} bytes long: mapping past EOF would turn a hostile size into
 * a SIGBUS on first touch, killing the whole process instead of one connection.
 */
public final class FdMapping implements AutoCloseable {
    private static final RateLimitedLog UNMAP_FAILURES = new RateLimitedLog(LoggerFactory.getLogger(FdMapping.class), 100_000_000L);
    private final Platform platform;
    private final OwnedFd fd;
    private final FileStat file;
    private final MemorySegment mapping;
    private final long offset;
    private final long length;

    private FdMapping(Platform platform, int fd, FileStat file, MemorySegment mapping, long offset, long length) {
        this.platform = platform;
        this.fd = OwnedFd.adopt(platform, fd);
        this.file = file;
        this.mapping = mapping;
        this.offset = offset;
        this.length = length;
    }

    /**
     * Maps {@code length} bytes at {@code offset} of {@code fd}, taking ownership of {@code fd}
     * (closed here on failure).
     */
    public static FdMapping map(int fd, long offset, long length) {
        return map(Platform.linux(), fd, offset, length);
    }

    /**
     * As {@link #map(int, long, long)}, with mmap, munmap and close going through {@code platform};
     * fstat is this module's own call (Platform has none).
     */
    public static FdMapping map(Platform platform, int fd, long offset, long length) {
        try {
            if (length <= 0 || offset < 0) {
                throw VhostUserException.rejected("bad mapping: offset " + offset + " length " + length);
            }
            long end;
            try {
                end = Math.addExact(offset, length);
            } catch (ArithmeticException e) {
                throw VhostUserException.rejected("mapping offset " + offset + " + length " + length + " overflows");
            }
            FileStat stat = FileStat.of(platform, fd);
            if (!stat.regularFile()) {
                throw VhostUserException.rejected("memory fd is not a regular file (mode 0%o)".formatted(stat.mode()));
            }
            if (stat.size() < end) {
                throw VhostUserException.rejected("memory fd holds " + stat.size() + " bytes, region needs " + end);
            }
            // hugetlbfs needs lengths in whole huge pages (st_blksize). Rounding up can overflow: a
            // sparse memfd may be truncated to 2^63 - 1 bytes, so end itself can lie just below 2^63.
            long mapLength;
            try {
                mapLength = Math.multiplyExact(Math.ceilDiv(end, stat.blockSize()), stat.blockSize());
            } catch (ArithmeticException e) {
                throw VhostUserException.rejected("mapping of " + end + " bytes rounded up to blocks of "
                        + stat.blockSize() + " overflows");
            }
            MemorySegment mapping;
            try {
                // In bounds: the platform returns a segment of exactly the mapLength bytes mapped.
                mapping = platform.mmap(mapLength, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                        LinuxConstants.MAP_SHARED, fd, 0);
            } catch (NativeException e) {
                throw VhostUserException.syscall("mmap of " + mapLength + " bytes", e);
            }
            return new FdMapping(platform, fd, stat, mapping, offset, length);
        } catch (RuntimeException e) {
            Fds.close(platform, fd);
            throw e;
        }
    }

    /** The mapped bytes [offset, offset + length) of the file. */
    public MemorySegment region() {
        // In bounds: offset + length <= mapLength, checked in map().
        return mapping.asSlice(offset, length);
    }

    /** Whether {@code other} (fstat of another fd) names the file this mapping maps. */
    boolean mapsFile(FileStat other) {
        return file.sameFile(other);
    }

    /**
     * Whether the file still holds every mapped byte. The peer keeps its own fd and may shrink the
     * file at any time (ftruncate of a memfd without F_SEAL_SHRINK): a touch of a page past the new
     * end faults (SIGBUS, which the JVM turns into an InternalError). A closed mapping counts as
     * intact: nothing touches it any more. Synchronized with {@link #close}, so the fd checked is
     * never one closed and reused meanwhile.
     */
    public synchronized boolean intact() {
        if (!fd.isOpen()) {
            return true;
        }
        try {
            return FileStat.of(platform, fd.get()).size() >= offset + length;
        } catch (VhostUserException e) {
            return false;
        }
    }

    /** The fd (owned by this mapping). */
    public int fd() {
        return fd.raw();
    }

    /** Unmaps and closes the fd; idempotent. */
    @Override
    public synchronized void close() {
        if (!fd.isOpen()) {
            return;
        }
        try {
            platform.munmap(mapping);
        } catch (NativeException e) {
            // Only EINVAL is possible for a segment mmap returned, i.e. a bug here: log it rather than
            // throw from a cleanup path, and still close the fd below so the file never leaks too.
            UNMAP_FAILURES.warn("munmap of {} bytes failed: {}", mapping.byteSize(), e.getMessage());
        }
        Fds.close(fd);
    }
}
