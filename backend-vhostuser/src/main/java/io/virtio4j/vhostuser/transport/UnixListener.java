package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;

/**
 * A listening AF_UNIX socket bound to a path. A stale socket file at the path is removed first
 * (as QEMU and DPDK do); the path is unlinked again on close, but only while it is still the socket
 * this listener bound (same device and inode): one another process bound there since stays.
 */
public final class UnixListener implements AutoCloseable {
    private final Platform platform;
    private final OwnedFd listening;
    /** The listening fd's number, for accept and shutdown. */
    private final int fd;
    private final Path path;
    /** The socket file bind created (device and inode), or null if it could not be read. */
    private volatile Object boundFile;

    private UnixListener(Platform platform, int fd, Path path) {
        this.platform = platform;
        this.listening = OwnedFd.adopt(platform, fd);
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
            MemorySegment addr = UnixSocket.sockaddr(a, path);
            unlinkQuietly(platform, path);
            int fd = UnixSocket.streamSocket(platform);
            try {
                platform.bind(fd, addr, (int) addr.byteSize());
                platform.listen(fd, 1);
            } catch (NativeException e) {
                Fds.close(platform, fd);
                throw VhostUserException.syscall("bind/listen " + path, e);
            }
            UnixListener listener = new UnixListener(platform, fd, path);
            listener.boundFile = fileKey(path);
            return listener;
        }
    }

    /** Removes {@code path}; a path that is not there (ENOENT) or cannot be removed is left to bind to fail on. */
    private static void unlinkQuietly(Platform platform, Path path) {
        try {
            platform.unlink(path.toString());
        } catch (NativeException e) {
            // Nothing there, or not ours to remove: bind reports what matters.
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
        try {
            return new UnixSocket(platform, platform.accept(fd, LinuxConstants.SOCK_CLOEXEC));
        } catch (NativeException e) {
            throw VhostUserException.syscall("accept4 " + path, e);
        }
    }

    /** The bound path. */
    public Path path() {
        return path;
    }

    /** Stops listening: wakes a blocked {@link #accept} (shutdown), closes the fd, unlinks the path if it is still ours. */
    @Override
    public synchronized void close() {
        if (!listening.isOpen()) {
            return;
        }
        UnixSocket.shutdownQuietly(platform, fd, LinuxConstants.SHUT_RDWR);
        Fds.close(listening);
        Object now = fileKey(path);
        if (now == null || !now.equals(boundFile)) {
            // Gone, or replaced by someone else's file (a process that bound the path since): not ours to remove.
            return;
        }
        unlinkQuietly(platform, path);
    }
}
