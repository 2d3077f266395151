package io.virtio4j.vhostuser;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.vhostuser.sys.Libc;

/** Closing owned file descriptors. */
final class Fds {
    private Fds() {
    }

    /** Closes {@code fd} unless it is -1. */
    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            Libc.close(state, fd);
        }
    }

    /** Closes {@code old} (unless it is the same fd) and returns {@code fresh}. */
    static int replace(int old, int fresh) {
        if (old != fresh) {
            close(old);
        }
        return fresh;
    }

    /** A duplicate of {@code fd} (not close-on-exec; callers here never exec). */
    static int dup(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            int copy = Libc.dup(state, fd);
            if (copy < 0) {
                throw VhostUserException.syscall("dup", Libc.errno(state));
            }
            return copy;
        }
    }
}
