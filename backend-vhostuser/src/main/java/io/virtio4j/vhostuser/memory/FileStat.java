package io.virtio4j.vhostuser.memory;

import io.virtio4j.vhostuser.VhostUserException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.Stat;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What fstat says about an fd the peer sent: its type and size (can it back guest memory?) and its
 * identity (device and inode: two fds received in different messages name the same file exactly
 * when these agree).
 */
record FileStat(int mode, long size, long blockSize, long device, long inode) {

    /** fstat of {@code fd} through {@code platform}; the fd is not closed here. */
    static FileStat of(Platform platform, int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment stat = a.allocate(Stat.SIZE, 8);
            platform.fstat(fd, stat);
            // In bounds: every offset read lies inside the Stat.SIZE bytes the kernel filled.
            return new FileStat(stat.get(JAVA_INT, Stat.ST_MODE), stat.get(JAVA_LONG, Stat.ST_SIZE),
                    Math.max(4096, stat.get(JAVA_LONG, Stat.ST_BLKSIZE) & 0xFFFFFFFFL),
                    stat.get(JAVA_LONG, Stat.ST_DEV), stat.get(JAVA_LONG, Stat.ST_INO));
        } catch (NativeException e) {
            throw VhostUserException.syscall("fstat", e);
        }
    }

    boolean regularFile() {
        return (mode & Stat.S_IFMT) == Stat.S_IFREG;
    }

    /** Whether both name the same file. */
    boolean sameFile(FileStat o) {
        return device == o.device && inode == o.inode;
    }
}
