package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import io.virtio4j.api.log.RateLimitedLog;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing and duplicating owned file descriptors through a {@link Platform}. */
public final class Fds {
    private static final Logger LOG = LoggerFactory.getLogger(Fds.class);
    private static final RateLimitedLog CLOSE_FAILURES = new RateLimitedLog(LOG, 100_000_000L);

    private Fds() {
    }

    /**
     * Closes {@code fd} unless it is negative. A failing close (EBADF, EIO) is logged, not thrown:
     * callers close on cleanup paths where the fd is gone either way and the original error matters.
     */
    public static void close(Platform platform, int fd) {
        if (fd < 0) {
            return;
        }
        try {
            platform.close(fd);
        } catch (NativeException e) {
            CLOSE_FAILURES.warn("close of fd {} failed: {}", fd, e.getMessage());
        }
    }

    /** Closes {@code old} (unless it is the same fd) and returns {@code fresh}. */
    public static int replace(Platform platform, int old, int fresh) {
        if (old != fresh) {
            close(platform, old);
        }
        return fresh;
    }

    /** A close-on-exec duplicate of {@code fd}. */
    public static int dup(Platform platform, int fd) {
        try {
            return platform.dup(fd);
        } catch (NativeException e) {
            throw VhostUserException.syscall("dup", e);
        }
    }
}
