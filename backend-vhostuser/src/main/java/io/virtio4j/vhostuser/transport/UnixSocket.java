package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.platform.bindings.MsgHdr;
import io.virtio4j.api.platform.bindings.SockaddrUn;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A connected AF_UNIX stream socket that carries bytes and SCM_RIGHTS file descriptors (at most
 * {@link ReceivedFds#MAX} per message). Reads and writes are exact: short transfers are continued,
 * EOF is reported, EINTR retried. One thread reads and writes; {@link #shutdown} may come from any.
 */
public final class UnixSocket implements AutoCloseable {
    private static final long CONTROL_BYTES = MsgHdr.cmsgSpace((long) ReceivedFds.MAX * Integer.BYTES);
    /** Room for twice the limit when sending, so tests can play a peer that breaks it. */
    private static final int SEND_FDS_MAX = 2 * ReceivedFds.MAX;

    private final Platform platform;
    private final OwnedFd socket;
    /** The socket's fd number, for the calls on it. */
    private final int fd;
    // GC-owned: a blocked accept or recv on another thread may still be using these when close runs.
    private final Arena arena = Arena.ofAuto();
    /** What {@link #receiveTimeout} set, or null: a receive then waits as long as it takes. */
    private java.time.Duration receiveTimeout;
    private final MemorySegment msghdr = arena.allocate(MsgHdr.LAYOUT);
    private final MemorySegment iovec = arena.allocate(IoVec.LAYOUT);
    private final MemorySegment control = arena.allocate(MsgHdr.cmsgSpace((long) SEND_FDS_MAX * Integer.BYTES), 8);

    /** Owns {@code fd}, closing it (and fds it must refuse) through {@code platform}. */
    UnixSocket(Platform platform, int fd) {
        this.platform = platform;
        this.socket = OwnedFd.adopt(platform, fd);
        this.fd = fd;
    }

    /** Connects to a listening socket at {@code path}. */
    public static UnixSocket connect(Path path) {
        return connect(Platform.linux(), path);
    }

    /** Connects to a listening socket at {@code path}; the socket closes through {@code platform}. */
    public static UnixSocket connect(Platform platform, Path path) {
        try (Arena a = Arena.ofConfined()) {
            // The address first: a bad path must fail before there is an fd to leak.
            MemorySegment addr = sockaddr(a, path);
            int fd = streamSocket(platform);
            try {
                platform.connect(fd, addr, (int) addr.byteSize());
            } catch (NativeException e) {
                Fds.close(platform, fd);
                throw VhostUserException.syscall("connect " + path, e);
            }
            return new UnixSocket(platform, fd);
        }
    }

    /** A connected pair (socketpair(2)), for in-process peers and tests. */
    public static UnixSocket[] pair() {
        return pair(Platform.linux());
    }

    /** A connected pair whose ends close through {@code platform}. */
    public static UnixSocket[] pair(Platform platform) {
        int[] fds;
        try {
            fds = platform.socketpair(LinuxConstants.AF_UNIX, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        } catch (NativeException e) {
            throw VhostUserException.syscall("socketpair", e);
        }
        return new UnixSocket[] {new UnixSocket(platform, fds[0]), new UnixSocket(platform, fds[1])};
    }

    /** A new close-on-exec AF_UNIX stream socket. */
    public static int streamSocket(Platform platform) {
        try {
            return platform.socket(LinuxConstants.AF_UNIX, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        } catch (NativeException e) {
            throw VhostUserException.syscall("socket", e);
        }
    }

    /** A struct sockaddr_un for {@code path}, sized exactly (family + path + NUL). */
    static MemorySegment sockaddr(Arena arena, Path path) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > SockaddrUn.SUN_PATH_MAX) {
            throw VhostUserException.fatal("socket path must be 1.." + SockaddrUn.SUN_PATH_MAX + " bytes: " + path);
        }
        MemorySegment addr = arena.allocate(SockaddrUn.SIZE, 8);
        addr.set(JAVA_SHORT, SockaddrUn.SUN_FAMILY, (short) LinuxConstants.AF_UNIX);
        // In bounds: bytes.length <= 107, so path and its NUL fit the 108-byte sun_path.
        MemorySegment.copy(bytes, 0, addr, java.lang.foreign.ValueLayout.JAVA_BYTE, SockaddrUn.SUN_PATH, bytes.length);
        return addr;
    }

    /** The platform this socket (and whatever is built over it) closes fds through. */
    public Platform platform() {
        return platform;
    }

    /** The raw descriptor (for tests and diagnostics). */
    public int fd() {
        return fd;
    }

    /**
     * The peer's process id as the kernel recorded it at connect time ({@code SO_PEERCRED}), or -1
     * if it cannot be had (a socketpair peer in another namespace reads 0). For logs only: once per
     * connection.
     */
    public int peerPid() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cred = a.allocate(12, 4);
            // In bounds: the kernel writes at most the 12 bytes of struct ucred that cred holds.
            if (platform.getsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_PEERCRED, cred) < 4) {
                return -1;
            }
            // In bounds: pid is the first int of the 12 bytes just written.
            return cred.get(JAVA_INT, 0);
        } catch (NativeException e) {
            return -1;
        }
    }

    /**
     * Sends {@code length} bytes of {@code buffer}, with {@code fds} attached to the first byte.
     *
     * @throws VhostUserException if the peer is gone or more than 8 fds are given
     */
    public void send(MemorySegment buffer, long length, int... fds) {
        if (fds.length > ReceivedFds.MAX) {
            throw VhostUserException.fatal("at most " + ReceivedFds.MAX + " fds per message, got " + fds.length);
        }
        sendUnchecked(buffer, length, fds);
    }

    /** {@link #send} without the 8-fd limit (up to 16), for playing a peer that breaks it. */
    public void sendUnchecked(MemorySegment buffer, long length, int... fds) {
        if (fds.length > SEND_FDS_MAX || length < 0 || length > buffer.byteSize()) {
            throw new IllegalArgumentException(fds.length + " fds, " + length + " bytes");
        }
        long sent = 0;
        boolean withFds = fds.length > 0;
        while (sent < length || withFds) {
            // In bounds: buffer.address()+sent stays inside buffer, sent < length <= buffer.byteSize().
            IoVec.set(iovec, 0, buffer.address() + sent, length - sent);
            msghdr.fill((byte) 0);
            msghdr.set(JAVA_LONG, MsgHdr.MSG_IOV, iovec.address());
            msghdr.set(JAVA_LONG, MsgHdr.MSG_IOVLEN, 1);
            if (withFds) {
                long dataBytes = (long) fds.length * Integer.BYTES;
                control.fill((byte) 0);
                control.set(JAVA_LONG, MsgHdr.CMSG_LEN, MsgHdr.cmsgLen(dataBytes));
                control.set(JAVA_INT, MsgHdr.CMSG_LEVEL, LinuxConstants.SOL_SOCKET);
                control.set(JAVA_INT, MsgHdr.CMSG_TYPE, LinuxConstants.SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    // In bounds: fds.length <= 16 and the control buffer has CMSG_SPACE(16 ints).
                    control.set(JAVA_INT, MsgHdr.CMSG_HDR_SIZE + (long) i * Integer.BYTES, fds[i]);
                }
                msghdr.set(JAVA_LONG, MsgHdr.MSG_CONTROL, control.address());
                msghdr.set(JAVA_LONG, MsgHdr.MSG_CONTROLLEN, MsgHdr.cmsgSpace(dataBytes));
            }
            long n;
            try {
                n = platform.sendmsg(fd, msghdr, LinuxConstants.MSG_NOSIGNAL);
            } catch (NativeException e) {
                throw VhostUserException.syscall("sendmsg", e);
            }
            if (n == Platform.WOULD_BLOCK) {
                // A blocking socket has no EAGAIN but with a send timeout, which this one never sets.
                throw VhostUserException.syscall("sendmsg", Errno.EAGAIN);
            }
            sent += n;
            withFds = false;
        }
    }

    /**
     * Reads exactly {@code length} bytes into {@code buffer} at {@code offset}, collecting fds into
     * {@code fds}.
     *
     * @return false on a clean EOF before the first byte; true when all bytes arrived
     * @throws VhostUserException on EOF mid-message, on more than 8 fds (all received ones are
     *                            closed) or on a socket error
     */
    public boolean receive(MemorySegment buffer, long offset, long length, ReceivedFds fds) {
        if (offset < 0 || length < 0 || offset + length > buffer.byteSize()) {
            throw new IndexOutOfBoundsException("receive " + length + " at " + offset + " into " + buffer.byteSize());
        }
        long got = 0;
        while (got < length) {
            // In bounds: offset + length <= buffer size was checked above and got < length.
            IoVec.set(iovec, 0, buffer.address() + offset + got, length - got);
            msghdr.fill((byte) 0);
            msghdr.set(JAVA_LONG, MsgHdr.MSG_IOV, iovec.address());
            msghdr.set(JAVA_LONG, MsgHdr.MSG_IOVLEN, 1);
            msghdr.set(JAVA_LONG, MsgHdr.MSG_CONTROL, control.address());
            msghdr.set(JAVA_LONG, MsgHdr.MSG_CONTROLLEN, CONTROL_BYTES);
            long n;
            try {
                n = platform.recvmsg(fd, msghdr, LinuxConstants.MSG_CMSG_CLOEXEC);
            } catch (NativeException e) {
                fds.closeAll();
                throw VhostUserException.syscall("recvmsg", e);
            }
            if (n == Platform.WOULD_BLOCK) {
                // EAGAIN on this blocking socket: the receive timeout expired.
                fds.closeAll();
                if (receiveTimeout == null) {
                    throw VhostUserException.syscall("recvmsg", Errno.EAGAIN);
                }
                throw VhostUserException.fatal("the peer sent nothing for " + receiveTimeout + " (the receive timeout)");
            }
            boolean truncated = collectFds(fds);
            if (truncated) {
                fds.closeAll();
                throw VhostUserException.fatal("peer sent more than " + ReceivedFds.MAX + " fds (MSG_CTRUNC)");
            }
            if (n == 0) {
                if (got == 0 && offset == 0) {
                    fds.closeAll();
                    return false;
                }
                fds.closeAll();
                throw VhostUserException.fatal("peer closed the socket mid-message");
            }
            got += n;
        }
        return true;
    }

    /** Walks the control messages; returns whether the kernel truncated them. */
    private boolean collectFds(ReceivedFds fds) {
        long controlLen = msghdr.get(JAVA_LONG, MsgHdr.MSG_CONTROLLEN);
        int flags = msghdr.get(JAVA_INT, MsgHdr.MSG_FLAGS);
        boolean overflow = false;
        long at = 0;
        // Each cmsg header is read only when a whole header lies inside the returned control length.
        while (controlLen - at >= MsgHdr.CMSG_HDR_SIZE) {
            long len = control.get(JAVA_LONG, at + MsgHdr.CMSG_LEN);
            if (len < MsgHdr.CMSG_HDR_SIZE || len > controlLen - at) {
                break;
            }
            int level = control.get(JAVA_INT, at + MsgHdr.CMSG_LEVEL);
            int type = control.get(JAVA_INT, at + MsgHdr.CMSG_TYPE);
            if (level == LinuxConstants.SOL_SOCKET && type == LinuxConstants.SCM_RIGHTS) {
                long n = (len - MsgHdr.CMSG_HDR_SIZE) / Integer.BYTES;
                for (long i = 0; i < n; i++) {
                    // In bounds: i < (len - 16) / 4 and at + len <= controlLen <= control size.
                    int received = control.get(JAVA_INT, at + MsgHdr.CMSG_HDR_SIZE + i * Integer.BYTES);
                    if (fds.count() < ReceivedFds.MAX) {
                        fds.add(received);
                    } else {
                        Fds.close(platform, received);
                        overflow = true;
                    }
                }
            }
            at += MsgHdr.cmsgAlign(len);
        }
        return overflow || (flags & LinuxConstants.MSG_CTRUNC) != 0;
    }

    /** Half-closes: the peer reads EOF, this side can still read. */
    public void shutdownWrite() {
        shutdownQuietly(platform, fd, LinuxConstants.SHUT_WR);
    }

    /**
     * shutdown(2), its failure ignored: it only fails for a socket no longer connected or listening
     * (ENOTCONN, EINVAL), which has nothing left to wake or half-close.
     */
    static void shutdownQuietly(Platform platform, int fd, int how) {
        try {
            platform.shutdown(fd, how);
        } catch (NativeException e) {
            // Not connected any more: nothing to do.
        }
    }

    /**
     * Makes a blocking {@link #receive} give up after {@code timeout} without a byte (a
     * VhostUserException naming it) instead of waiting forever: a front-end's replies come from a
     * peer that may never answer. Whole milliseconds; at least one.
     */
    public void receiveTimeout(java.time.Duration timeout) {
        long millis = Math.max(1, timeout.toMillis());
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment timeval = a.allocate(16, 8);
            // In bounds: a 64-bit struct timeval is two longs, 16 bytes.
            timeval.set(JAVA_LONG, 0, millis / 1000);
            timeval.set(JAVA_LONG, 8, (millis % 1000) * 1000);
            platform.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVTIMEO, timeval, 16);
        } catch (NativeException e) {
            throw VhostUserException.syscall("setsockopt(SO_RCVTIMEO)", e);
        }
        receiveTimeout = java.time.Duration.ofMillis(millis);
    }

    /**
     * Wakes a blocked reader with EOF; safe from any thread (a data-path thread dropping a session
     * calls it): synchronized with {@link #close}, so the fd is never one closed and reused
     * meanwhile; the platform captures errno per thread, so the owner's calls keep theirs. Never blocks.
     */
    public synchronized void shutdown() {
        if (socket.isOpen()) {
            shutdownQuietly(platform, fd, LinuxConstants.SHUT_RDWR);
        }
    }

    @Override
    public synchronized void close() {
        Fds.close(socket);
    }
}
