package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import io.virtio4j.api.log.RateLimitedLog;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
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

    /** As {@link #close(Platform, int)}, for an owned fd: closes it once, logs a failure. */
    public static void close(OwnedFd fd) {
        try {
            fd.close();
        } catch (NativeException e) {
            CLOSE_FAILURES.warn("close of {} failed: {}", fd, e.getMessage());
        }
    }

    /**
     * Closes {@code old} (unless it already owns {@code fresh}) and returns the owner of
     * {@code fresh}: null for a negative fd ("none"), closed through {@code platform}.
     */
    public static OwnedFd replace(Platform platform, OwnedFd old, int fresh) {
        if (old != null && old.raw() == fresh) {
            return old;
        }
        if (old != null) {
            close(old);
        }
        return fresh < 0 ? null : OwnedFd.adopt(platform, fresh);
    }

    /** The fd {@code owner} holds, or -1 for none (null) or one no longer open. */
    public static int number(OwnedFd owner) {
        return owner == null ? -1 : owner.raw();
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
