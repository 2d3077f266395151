package io.virtio4j.vhostuser.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw glibc bindings for the AF_UNIX socket calls (and fstat) only vhost-user needs (x86-64 /
 * aarch64 Linux). The generic calls (close, dup, write, mmap, munmap) are not here: they go through
 * {@link io.virtio4j.api.platform.Platform} so that unit tests can mock them. Generated style: one
 * downcall handle per function, each capturing {@code errno} into a caller supplied segment of
 * {@link #CALL_STATE}; no policy here, the hand-written wrappers check results.
 */
public final class Libc {
    private Libc() {
    }

    /** {@code AF_UNIX}: Unix-domain sockets. */
    public static final int AF_UNIX = 1;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_CLOEXEC}: the fd closes on exec. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code SOL_SOCKET}: the level of {@code SCM_RIGHTS} control messages. */
    public static final int SOL_SOCKET = 1;
    /** {@code SCM_RIGHTS}: a control message carrying fds. */
    public static final int SCM_RIGHTS = 1;
    /** {@code MSG_CTRUNC}: the control buffer was too small and fds were dropped. */
    public static final int MSG_CTRUNC = 0x8;
    /** {@code MSG_NOSIGNAL}: EPIPE instead of SIGPIPE on a closed peer. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** {@code MSG_CMSG_CLOEXEC}: received fds close on exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** {@code SHUT_WR}: no more sends. */
    public static final int SHUT_WR = 1;
    /** {@code SHUT_RDWR}: no more sends or receives (wakes a blocked reader). */
    public static final int SHUT_RDWR = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    /** Layout of the captured call state; holds {@code errno}. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no " + name)), fd, CAPTURE_ERRNO);
    }

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = bind("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = bind("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = bind("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = bind("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLINK = bind("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FSTAT = bind("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, JAVA_INT));
    /** {@code SO_RCVTIMEO} (x86-64 and arm64, 64-bit {@code struct timeval}): a blocking receive fails with EAGAIN after it. */
    public static final int SO_RCVTIMEO = 20;
    /** {@code SO_PEERCRED} (x86-64 and arm64): the peer's {@code struct ucred} (pid, uid, gid: three ints). */
    public static final int SO_PEERCRED = 17;
    private static final MethodHandle PREADV2 = bind("preadv2", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));

    /** {@code RWF_NOWAIT}: fail with EAGAIN instead of blocking, whatever the file's O_NONBLOCK says. */
    public static final int RWF_NOWAIT = 0x8;

    /** The errno captured by the last call that used {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** {@code socket(2)}; errno into {@code state}. */
    public static int socket(MemorySegment state, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw new LinkageError("socket", t);
        }
    }

    /** {@code socketpair(2)}; the two fds into {@code fds}, errno into {@code state}. */
    public static int socketpair(MemorySegment state, int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) SOCKETPAIR.invokeExact(state, domain, type, protocol, fds);
        } catch (Throwable t) {
            throw new LinkageError("socketpair", t);
        }
    }

    /** {@code bind(2)}; errno into {@code state}. */
    public static int bind(MemorySegment state, int fd, MemorySegment addr, int len) {
        try {
            return (int) BIND.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw new LinkageError("bind", t);
        }
    }

    /** {@code listen(2)}; errno into {@code state}. */
    public static int listen(MemorySegment state, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(state, fd, backlog);
        } catch (Throwable t) {
            throw new LinkageError("listen", t);
        }
    }

    /** {@code getsockopt(2)}; errno into {@code state}. */
    public static int getsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw new LinkageError("getsockopt", t);
        }
    }

    /** {@code setsockopt(2)}; errno into {@code state}. */
    public static int setsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw new LinkageError("setsockopt", t);
        }
    }

    /** {@code accept4(2)}; errno into {@code state}. */
    public static int accept4(MemorySegment state, int fd, MemorySegment addr, MemorySegment len, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(state, fd, addr, len, flags);
        } catch (Throwable t) {
            throw new LinkageError("accept4", t);
        }
    }

    /** {@code connect(2)}; errno into {@code state}. */
    public static int connect(MemorySegment state, int fd, MemorySegment addr, int len) {
        try {
            return (int) CONNECT.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw new LinkageError("connect", t);
        }
    }

    /** {@code sendmsg(2)}; errno into {@code state}. */
    public static long sendmsg(MemorySegment state, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) SENDMSG.invokeExact(state, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new LinkageError("sendmsg", t);
        }
    }

    /** {@code recvmsg(2)}; errno into {@code state}. */
    public static long recvmsg(MemorySegment state, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(state, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new LinkageError("recvmsg", t);
        }
    }

    /** {@code shutdown(2)}; errno into {@code state}. */
    public static int shutdown(MemorySegment state, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw new LinkageError("shutdown", t);
        }
    }

    /** {@code unlink(2)} of a NUL-terminated path; errno into {@code state}. */
    public static int unlink(MemorySegment state, MemorySegment path) {
        try {
            return (int) UNLINK.invokeExact(state, path);
        } catch (Throwable t) {
            throw new LinkageError("unlink", t);
        }
    }

    /** {@code preadv2(2)} of {@code iovcnt} iovecs at {@code offset} (-1: the file position) with {@code flags}; errno into {@code state}. */
    public static long preadv2(MemorySegment state, int fd, MemorySegment iov, int iovcnt, long offset, int flags) {
        try {
            return (long) PREADV2.invokeExact(state, fd, iov, iovcnt, offset, flags);
        } catch (Throwable t) {
            throw new LinkageError("preadv2", t);
        }
    }

    /** {@code fstat(2)} into {@code statBuf} ({@link Structs#STAT_SIZE} bytes); errno into {@code state}. */
    public static int fstat(MemorySegment state, int fd, MemorySegment statBuf) {
        try {
            return (int) FSTAT.invokeExact(state, fd, statBuf);
        } catch (Throwable t) {
            throw new LinkageError("fstat", t);
        }
    }
}
