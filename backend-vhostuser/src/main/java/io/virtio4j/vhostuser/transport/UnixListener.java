package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.vhostuser.sys.Libc;

/**
 * A listening AF_UNIX socket bound to a path. A stale socket file at the path is removed first
 * (as QEMU and DPDK do); the path is unlinked again on close, but only while it is still the socket
 * this listener bound (same device and inode): one another process bound there since stays.
 */
public final class UnixListener implements AutoCloseable {
    private final Platform platform;
    private final int fd;
    private final Path path;
    // GC-owned: a blocked accept or recv on another thread may still be using these when close runs.
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment callState = arena.allocate(Libc.CALL_STATE);
    private volatile boolean closed;
    /** The socket file bind created (device and inode), or null if it could not be read. */
    private volatile Object boundFile;

    private UnixListener(Platform platform, int fd, Path path) {
        this.platform = platform;
        this.fd = fd;
        this.path = path;
    }

    /** Binds and listens on {@code path}. */
    public static UnixListener bind(Path path) {
        return bind(Platform.linux(), path);
    }

    /** Binds and listens on {@code path}; the listener and the sockets it accepts close through {@code platform}. */
    public static UnixListener bind(Platform platform, Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CALL_STATE);
            MemorySegment addr = UnixSocket.sockaddr(a, path);
            Libc.unlink(state, a.allocateFrom(path.toString(), StandardCharsets.UTF_8));
            int fd = UnixSocket.streamSocket(state);
            if (Libc.bind(state, fd, addr, (int) addr.byteSize()) < 0 || Libc.listen(state, fd, 1) < 0) {
                int errno = Libc.errno(state);
                Fds.close(platform, fd);
                throw VhostUserException.syscall("bind/listen " + path, errno);
            }
            UnixListener listener = new UnixListener(platform, fd, path);
            listener.boundFile = fileKey(path);
            return listener;
        }
    }

    /** The file's identity (device and inode), or null if it cannot be read. */
    private static Object fileKey(Path path) {
        try {
            return java.nio.file.Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** Blocks until a peer connects; throws once {@link #close} has been called. */
    public UnixSocket accept() {
        while (true) {
            int conn = Libc.accept4(callState, fd, MemorySegment.NULL, MemorySegment.NULL, Libc.SOCK_CLOEXEC);
            if (conn >= 0) {
                return new UnixSocket(platform, conn);
            }
            int errno = Libc.errno(callState);
            if (errno != Errno.EINTR || closed) {
                throw VhostUserException.syscall("accept4 " + path, errno);
            }
        }
    }

    /** The bound path. */
    public Path path() {
        return path;
    }

    /** Stops listening: wakes a blocked {@link #accept} (shutdown), closes the fd, unlinks the path if it is still ours. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.shutdown(callState, fd, Libc.SHUT_RDWR);
        Fds.close(platform, fd);
        Object now = fileKey(path);
        if (now == null || !now.equals(boundFile)) {
            // Gone, or replaced by someone else's file (a process that bound the path since): not ours to remove.
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            Libc.unlink(callState, a.allocateFrom(path.toString(), StandardCharsets.UTF_8));
        }
    }
}
