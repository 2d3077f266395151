package io.virtio4j.vhostuser.memory;

import io.virtio4j.vhostuser.VhostUserException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.vhostuser.sys.Libc;
import io.virtio4j.vhostuser.sys.Structs;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What fstat says about an fd the peer sent: its type and size (can it back guest memory?) and its
 * identity (device and inode: two fds received in different messages name the same file exactly
 * when these agree).
 */
record FileStat(int mode, long size, long blockSize, long device, long inode) {

    /** fstat of {@code fd}; the fd is not closed here. */
    static FileStat of(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            MemorySegment stat = a.allocate(Structs.STAT_SIZE, 8);
            if (Libc.fstat(state, fd, stat) < 0) {
                throw VhostUserException.syscall("fstat", Libc.errno(state));
            }
            // In bounds: every offset read lies inside the STAT_SIZE bytes the kernel filled.
            return new FileStat(stat.get(JAVA_INT, Structs.ST_MODE), stat.get(JAVA_LONG, Structs.ST_SIZE),
                    Math.max(4096, stat.get(JAVA_LONG, Structs.ST_BLKSIZE) & 0xFFFFFFFFL),
                    stat.get(JAVA_LONG, Structs.ST_DEV), stat.get(JAVA_LONG, Structs.ST_INO));
        }
    }

    boolean regularFile() {
        return (mode & Structs.S_IFMT) == Structs.S_IFREG;
    }

    /** Whether both name the same file. */
    boolean sameFile(FileStat o) {
        return device == o.device && inode == o.inode;
    }
}
