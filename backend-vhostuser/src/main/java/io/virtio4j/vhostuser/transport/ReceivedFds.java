package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import io.virtio4j.api.platform.Platform;

/**
 * The file descriptors that came with one message, owned until taken. Whatever is not taken by
 * {@link #take} is closed by {@link #closeAll}, so a rejected message can never leak an fd
 * (the class of DPDK CVE-2019-14818 and CVE-2020-10726, fd leaks).
 *
 * <p>The fds are kept as raw ints, not {@link io.virtio4j.api.platform.OwnedFd}s, on purpose: this
 * object is itself their owner, one per session, reused for every message and filled by
 * {@code recvmsg} on the session thread without allocating. A slot set to -1 once taken or closed
 * gives the same close-once rule {@code OwnedFd} gives; {@link #take} ends its duty, and whoever takes
 * an fd and keeps it wraps it in an {@code OwnedFd} (as {@code FdMapping} and {@code MemoryTable.map}).
 */
public final class ReceivedFds {
    /** The vhost-user limit on fds in one message. */
    public static final int MAX = 8;

    private final Platform platform;
    private final int[] fds = new int[MAX];
    private int count;

    /** Fds closed on the Linux platform. */
    public ReceivedFds() {
        this(Platform.linux());
    }

    /** Fds closed through {@code platform} (the socket's). */
    public ReceivedFds(Platform platform) {
        this.platform = platform;
    }

    /** Adds an fd the kernel installed for us; the caller has checked there is room. */
    void add(int fd) {
        fds[count++] = fd;
    }

    /** How many fds are held (taken ones included). */
    public int count() {
        return count;
    }

    /** Fd {@code index}, still owned here (to inspect it before taking it). */
    public int peek(int index) {
        if (index < 0 || index >= count || fds[index] < 0) {
            throw VhostUserException.rejected("message carries no fd #" + index);
        }
        return fds[index];
    }

    /** Transfers ownership of fd {@code index} to the caller. */
    public int take(int index) {
        if (index < 0 || index >= count || fds[index] < 0) {
            throw VhostUserException.rejected("message carries no fd #" + index);
        }
        int fd = fds[index];
        fds[index] = -1;
        return fd;
    }

    /** Closes every fd not taken and empties the set. */
    public void closeAll() {
        for (int i = 0; i < count; i++) {
            if (fds[i] >= 0) {
                Fds.close(platform, fds[i]);
                fds[i] = -1;
            }
        }
        count = 0;
    }
}
