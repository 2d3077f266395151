package io.virtio4j.api.platform.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * Raw downcall handles for the glibc functions virtio4j calls, in the shape jextract generates:
 * one {@link MethodHandle} per C function and a static method per handle that does nothing but
 * {@code invokeExact}. No policy lives here (no errno decoding, no retries, no bounds checks):
 * that is {@link io.virtio4j.api.platform.LinuxPlatform}'s job, which validates every argument
 * before it reaches these methods.
 *
 * <p>Every function that can fail is linked with {@code Linker.Option.captureCallState("errno")}:
 * its first parameter is a segment of {@link #CAPTURE_LAYOUT} into which the JVM copies
 * {@code errno} right after the call (reading errno later would race with the JVM's own calls).
 *
 * <p>Signatures are the LP64 ones from the glibc headers: {@code size_t}, {@code ssize_t},
 * {@code off_t} and {@code unsigned long} are 64-bit ({@code JAVA_LONG}), {@code int} and
 * {@code unsigned int} are {@code JAVA_INT}. Variadic functions ({@code open}, {@code fcntl},
 * {@code ioctl}) are linked with {@code firstVariadicArg} so the ABI's variadic rules apply.
 */
public final class LibC {
    private LibC() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    /** Layout of the call-state segment that captured-errno handles take as first argument. */
    public static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();

    private static final VarHandle ERRNO_HANDLE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** The errno captured into {@code capture} by the last call that was passed it. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO_HANDLE.get(capture, 0L);
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static MethodHandle linkErrno(String name, FunctionDescriptor descriptor) {
        return link(name, descriptor, ERRNO);
    }

    private static MethodHandle linkVariadicErrno(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return link(name, descriptor, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    // int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask);
    private static final MethodHandle SCHED_SETAFFINITY = linkErrno("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    // int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask);
    private static final MethodHandle SCHED_GETAFFINITY = linkErrno("sched_getaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    // pid_t gettid(void);
    private static final MethodHandle GETTID = link("gettid", FunctionDescriptor.of(JAVA_INT));

    // ssize_t read(int fd, void *buf, size_t count);
    private static final MethodHandle READ = linkErrno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t write(int fd, const void *buf, size_t count);
    private static final MethodHandle WRITE = linkErrno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t readv(int fd, const struct iovec *iov, int iovcnt);
    private static final MethodHandle READV = linkErrno("readv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    // ssize_t writev(int fd, const struct iovec *iov, int iovcnt);
    private static final MethodHandle WRITEV = linkErrno("writev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    // int close(int fd);
    private static final MethodHandle CLOSE = linkErrno("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int open(const char *pathname, int flags, ... /* mode_t mode */);
    private static final MethodHandle OPEN = linkVariadicErrno("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    // int fcntl(int fd, int cmd, ... /* arg */); glibc reads the argument as a pointer-sized value.
    private static final MethodHandle FCNTL = linkVariadicErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), 2);
    // int ioctl(int fd, unsigned long request, ...); pointer argument
    private static final MethodHandle IOCTL_PTR = linkVariadicErrno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    // int ioctl(int fd, unsigned long request, ...); integer argument
    private static final MethodHandle IOCTL_LONG = linkVariadicErrno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    // int eventfd(unsigned int initval, int flags);
    private static final MethodHandle EVENTFD = linkErrno("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // int memfd_create(const char *name, unsigned int flags);
    private static final MethodHandle MEMFD_CREATE = linkErrno("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int ftruncate(int fd, off_t length);
    private static final MethodHandle FTRUNCATE = linkErrno("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
    private static final MethodHandle MMAP = linkErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    // int munmap(void *addr, size_t length);
    private static final MethodHandle MUNMAP = linkErrno("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    // int epoll_create1(int flags);
    private static final MethodHandle EPOLL_CREATE1 = linkErrno("epoll_create1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
    private static final MethodHandle EPOLL_CTL = linkErrno("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
    private static final MethodHandle EPOLL_WAIT = linkErrno("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // int pipe2(int pipefd[2], int flags);
    private static final MethodHandle PIPE2 = linkErrno("pipe2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int socket(int domain, int type, int protocol);
    private static final MethodHandle SOCKET = linkErrno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
    private static final MethodHandle BIND = linkErrno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen);
    private static final MethodHandle GETSOCKNAME = linkErrno("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
    private static final MethodHandle SETSOCKOPT = linkErrno("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags);
    private static final MethodHandle SENDMMSG = linkErrno("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags, struct timespec *timeout);
    private static final MethodHandle RECVMMSG = linkErrno("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    // int socketpair(int domain, int type, int protocol, int sv[2]);
    private static final MethodHandle SOCKETPAIR = linkErrno("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // int listen(int sockfd, int backlog);
    private static final MethodHandle LISTEN = linkErrno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
    private static final MethodHandle ACCEPT4 = linkErrno("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    // int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
    private static final MethodHandle CONNECT = linkErrno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // ssize_t sendmsg(int sockfd, const struct msghdr *msg, int flags);
    private static final MethodHandle SENDMSG = linkErrno("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    // ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags);
    private static final MethodHandle RECVMSG = linkErrno("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    // int shutdown(int sockfd, int how);
    private static final MethodHandle SHUTDOWN = linkErrno("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);
    private static final MethodHandle GETSOCKOPT = linkErrno("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    // int unlink(const char *pathname);
    private static final MethodHandle UNLINK = linkErrno("unlink",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int fstat(int fd, struct stat *statbuf);
    private static final MethodHandle FSTAT = linkErrno("fstat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    // ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags);
    private static final MethodHandle PREADV2 = linkErrno("preadv2",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    // const char *strerrordesc_np(int errnum); glibc >= 2.32, thread-safe, untranslated. Optional.
    private static final Optional<MethodHandle> STRERRORDESC_NP = LIBC.find("strerrordesc_np")
            .map(symbol -> LINKER.downcallHandle(symbol, FunctionDescriptor.of(ADDRESS, JAVA_INT)));

    /** {@code read(2)}. */
    public static long read(MemorySegment capture, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(2)}. */
    public static long write(MemorySegment capture, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code readv(2)}. */
    public static long readv(MemorySegment capture, int fd, MemorySegment iov, int iovcnt) {
        try {
            return (long) READV.invokeExact(capture, fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code writev(2)}. */
    public static long writev(MemorySegment capture, int fd, MemorySegment iov, int iovcnt) {
        try {
            return (long) WRITEV.invokeExact(capture, fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(2)}. */
    public static int close(MemorySegment capture, int fd) {
        try {
            return (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code open(2)}; {@code mode} is only read by the kernel with O_CREAT or O_TMPFILE. */
    public static int open(MemorySegment capture, MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(capture, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(2)}. */
    public static int fcntl(MemorySegment capture, int fd, int cmd, long arg) {
        try {
            return (int) FCNTL.invokeExact(capture, fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(2)} with a pointer argument. */
    public static int ioctl(MemorySegment capture, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL_PTR.invokeExact(capture, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(2)} with an integer argument. */
    public static int ioctl(MemorySegment capture, int fd, long request, long arg) {
        try {
            return (int) IOCTL_LONG.invokeExact(capture, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(2)}. */
    public static int eventfd(MemorySegment capture, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(capture, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sched_setaffinity(2)}. */
    public static int schedSetaffinity(MemorySegment capture, int pid, long size, MemorySegment mask) {
        try {
            return (int) SCHED_SETAFFINITY.invokeExact(capture, pid, size, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sched_getaffinity(2)}: 0 on success (the glibc wrapper zeroes the rest of the mask), -1 with errno. */
    public static int schedGetaffinity(MemorySegment capture, int pid, long size, MemorySegment mask) {
        try {
            return (int) SCHED_GETAFFINITY.invokeExact(capture, pid, size, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code gettid(2)}: cannot fail. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code memfd_create(2)}. */
    public static int memfdCreate(MemorySegment capture, MemorySegment name, int flags) {
        try {
            return (int) MEMFD_CREATE.invokeExact(capture, name, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ftruncate(2)}. */
    public static int ftruncate(MemorySegment capture, int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(capture, fd, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mmap(2)}: the returned segment has size 0 (raw address); MAP_FAILED is address -1. */
    public static MemorySegment mmap(MemorySegment capture, MemorySegment addr, long length, int prot, int flags,
                                     int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(capture, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap(2)}. */
    public static int munmap(MemorySegment capture, MemorySegment addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(capture, addr, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_create1(2)}. */
    public static int epollCreate1(MemorySegment capture, int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(capture, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_ctl(2)}. */
    public static int epollCtl(MemorySegment capture, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(capture, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_wait(2)}. */
    public static int epollWait(MemorySegment capture, int epfd, MemorySegment events, int maxevents, int timeout) {
        try {
            return (int) EPOLL_WAIT.invokeExact(capture, epfd, events, maxevents, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pipe2(2)}: {@code pipefd} receives two ints. */
    public static int pipe2(MemorySegment capture, MemorySegment pipefd, int flags) {
        try {
            return (int) PIPE2.invokeExact(capture, pipefd, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(2)}. */
    public static int socket(MemorySegment capture, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(capture, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bind(2)}. */
    public static int bind(MemorySegment capture, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) BIND.invokeExact(capture, fd, addr, addrlen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockname(2)}. */
    public static int getsockname(MemorySegment capture, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) GETSOCKNAME.invokeExact(capture, fd, addr, addrlen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setsockopt(2)}. */
    public static int setsockopt(MemorySegment capture, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(capture, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmmsg(2)}. */
    public static int sendmmsg(MemorySegment capture, int fd, MemorySegment msgvec, int vlen, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(capture, fd, msgvec, vlen, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvmmsg(2)}; {@code timeout} NULL (a non-blocking socket or MSG_DONTWAIT makes it return at once). */
    public static int recvmmsg(MemorySegment capture, int fd, MemorySegment msgvec, int vlen, int flags, MemorySegment timeout) {
        try {
            return (int) RECVMMSG.invokeExact(capture, fd, msgvec, vlen, flags, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socketpair(2)}: the two fds into {@code sv}. */
    public static int socketpair(MemorySegment capture, int domain, int type, int protocol, MemorySegment sv) {
        try {
            return (int) SOCKETPAIR.invokeExact(capture, domain, type, protocol, sv);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code listen(2)}. */
    public static int listen(MemorySegment capture, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(capture, fd, backlog);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code accept4(2)}. */
    public static int accept4(MemorySegment capture, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(capture, fd, addr, addrlen, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code connect(2)}. */
    public static int connect(MemorySegment capture, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) CONNECT.invokeExact(capture, fd, addr, addrlen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmsg(2)}. */
    public static long sendmsg(MemorySegment capture, int fd, MemorySegment msg, int flags) {
        try {
            return (long) SENDMSG.invokeExact(capture, fd, msg, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvmsg(2)}. */
    public static long recvmsg(MemorySegment capture, int fd, MemorySegment msg, int flags) {
        try {
            return (long) RECVMSG.invokeExact(capture, fd, msg, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code shutdown(2)}. */
    public static int shutdown(MemorySegment capture, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(capture, fd, how);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockopt(2)}. */
    public static int getsockopt(MemorySegment capture, int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(capture, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code unlink(2)} of a NUL-terminated path. */
    public static int unlink(MemorySegment capture, MemorySegment path) {
        try {
            return (int) UNLINK.invokeExact(capture, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fstat(2)} into a {@code struct stat}. */
    public static int fstat(MemorySegment capture, int fd, MemorySegment stat) {
        try {
            return (int) FSTAT.invokeExact(capture, fd, stat);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code preadv2(2)}; {@code offset} -1 reads at the file position. */
    public static long preadv2(MemorySegment capture, int fd, MemorySegment iov, int iovcnt, long offset, int flags) {
        try {
            return (long) PREADV2.invokeExact(capture, fd, iov, iovcnt, offset, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code strerrordesc_np(3)}: the C string describing {@code errnum} (size-0 segment), NULL
     * for an unknown value, or empty when this libc lacks the function (musl, glibc before 2.32).
     */
    public static Optional<MemorySegment> strerrordesc(int errnum) {
        if (STRERRORDESC_NP.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of((MemorySegment) STRERRORDESC_NP.get().invokeExact(errnum));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Downcalls throw nothing checked; anything else (an Error) is passed through unchanged. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", t);
    }
}
