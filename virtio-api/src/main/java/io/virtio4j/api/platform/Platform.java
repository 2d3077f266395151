package io.virtio4j.api.platform;

import java.lang.foreign.MemorySegment;

/**
 * The native calls virtio4j makes, behind one interface so that every file descriptor can be mocked
 * in unit tests ("unit tests with mock fds"). The production implementation calls Linux through the
 * FFM API with {@code errno} captured.
 *
 * <p>Conventions: {@code EINTR} is retried inside the implementation. Where a non-blocking fd has
 * nothing to give ({@code EAGAIN}/{@code EWOULDBLOCK}) the call returns {@link #WOULD_BLOCK}. Every
 * other failure throws {@link NativeException} naming the call and the errno. Buffers are
 * {@link MemorySegment}s; the implementation never copies them.
 */
public interface Platform {
    /** Returned by read/write style calls when a non-blocking fd would block. */
    long WOULD_BLOCK = -1;

    /** The Linux implementation through FFM, a process-wide singleton. */
    static Platform linux() {
        return LinuxPlatform.instance();
    }

    /** {@code eventfd(2)}: returns the new fd. */
    int eventfd(int initialValue, int flags);

    /** {@code open(2)}: returns the new fd. */
    int open(String path, int flags);

    /** {@code close(2)}. Closing -1 is a no-op; other failures throw. */
    void close(int fd);

    /** {@code dup(2)} with close-on-exec: returns the new fd. */
    int dup(int fd);

    /** {@code fcntl(2)} with an integer argument: returns the call's non-negative result. */
    int fcntl(int fd, int cmd, long arg);

    /** {@code pipe2(2)}: returns {@code {readEnd, writeEnd}}. */
    int[] pipe(int flags);

    /** {@code read(2)} into the first {@code length} bytes of {@code buffer}: bytes read, or {@link #WOULD_BLOCK}. */
    long read(int fd, MemorySegment buffer, long length);

    /** {@code write(2)} of the first {@code length} bytes of {@code buffer}: bytes written, or {@link #WOULD_BLOCK}. */
    long write(int fd, MemorySegment buffer, long length);

    /** {@code readv(2)} with {@code count} {@code struct iovec}s at {@code iovecs}: bytes read, or {@link #WOULD_BLOCK}. */
    long readv(int fd, MemorySegment iovecs, int count);

    /** {@code writev(2)} with {@code count} {@code struct iovec}s at {@code iovecs}: bytes written, or {@link #WOULD_BLOCK}. */
    long writev(int fd, MemorySegment iovecs, int count);

    /** {@code ioctl(2)} whose argument is a pointer to {@code arg}: returns the call's non-negative result. */
    int ioctl(int fd, long request, MemorySegment arg);

    /** {@code ioctl(2)} whose argument is an integer: returns the call's non-negative result. */
    int ioctl(int fd, long request, long arg);

    /** {@code memfd_create(2)}: returns the new fd. */
    int memfdCreate(String name, int flags);

    /** {@code ftruncate(2)}. */
    void ftruncate(int fd, long length);

    /**
     * {@code mmap(2)} of {@code length} bytes; the returned segment has that size and is unmapped
     * only by {@link #munmap}.
     */
    MemorySegment mmap(long length, int prot, int flags, int fd, long offset);

    /** {@code munmap(2)} of a segment returned by {@link #mmap}. */
    void munmap(MemorySegment mapping);

    /** {@code epoll_create1(EPOLL_CLOEXEC)}: returns the new fd. */
    int epollCreate();

    /** {@code epoll_ctl(2)}; {@code data} is returned with each event for {@code fd}. */
    void epollCtl(int epfd, int op, int fd, int events, long data);

    /**
     * {@code epoll_wait(2)} into {@code events} (an array of {@code struct epoll_event}, 12 bytes
     * each on x86-64): number of events, 0 on timeout.
     */
    int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis);

    /** {@code gettid(2)}: the calling thread's kernel id (what /proc/self/task lists). */
    default int gettid() {
        throw new UnsupportedOperationException("gettid");
    }

    /**
     * {@code sched_setaffinity(2)}: thread {@code tid} (0: the caller) runs only on {@code cpus}
     * from now on. Throws NativeException (EINVAL for a set with no allowed CPU, ESRCH for a
     * thread that is gone).
     */
    default void setAffinity(int tid, java.util.BitSet cpus) {
        throw new UnsupportedOperationException("sched_setaffinity");
    }

    /** {@code sched_getaffinity(2)}: the CPUs thread {@code tid} (0: the caller) may run on. */
    default java.util.BitSet affinity(int tid) {
        throw new UnsupportedOperationException("sched_getaffinity");
    }

    /** {@code socket(2)}: returns the new fd. */
    default int socket(int domain, int type, int protocol) {
        throw new UnsupportedOperationException("socket");
    }

    /** {@code bind(2)} to the first {@code length} bytes of {@code address} (a {@code struct sockaddr_*}). */
    default void bind(int fd, MemorySegment address, int length) {
        throw new UnsupportedOperationException("bind");
    }

    /** {@code getsockname(2)} into {@code address}: returns the length of the address the kernel stored. */
    default int getsockname(int fd, MemorySegment address) {
        throw new UnsupportedOperationException("getsockname");
    }

    /** {@code setsockopt(2)} with an {@code int} option value. */
    default void setsockopt(int fd, int level, int option, int value) {
        throw new UnsupportedOperationException("setsockopt");
    }

    /**
     * {@code sendmmsg(2)} of the first {@code count} {@code struct mmsghdr}s at {@code messages}:
     * how many were sent (fewer when a later one failed: send the rest again to learn why), or
     * {@link #WOULD_BLOCK} (as an int) when the socket buffer is full.
     */
    default int sendmmsg(int fd, MemorySegment messages, int count, int flags) {
        throw new UnsupportedOperationException("sendmmsg");
    }

    /**
     * {@code recvmmsg(2)} into up to {@code count} {@code struct mmsghdr}s at {@code messages}
     * (no timeout): how many datagrams arrived, or {@link #WOULD_BLOCK} (as an int) when none waits.
     */
    default int recvmmsg(int fd, MemorySegment messages, int count, int flags) {
        throw new UnsupportedOperationException("recvmmsg");
    }
    /** {@code socketpair(2)}: returns the two connected fds. */
    default int[] socketpair(int domain, int type, int protocol) {
        throw new UnsupportedOperationException("socketpair");
    }

    /** {@code listen(2)}. */
    default void listen(int fd, int backlog) {
        throw new UnsupportedOperationException("listen");
    }

    /** {@code accept4(2)} without the peer's address: returns the new connection's fd. */
    default int accept(int fd, int flags) {
        throw new UnsupportedOperationException("accept4");
    }

    /** {@code connect(2)} to the first {@code length} bytes of {@code address} (a {@code struct sockaddr_*}). */
    default void connect(int fd, MemorySegment address, int length) {
        throw new UnsupportedOperationException("connect");
    }

    /**
     * {@code sendmsg(2)} of the {@code struct msghdr} at {@code message} (iovecs and control data,
     * such as {@code SCM_RIGHTS} fds, where it points): bytes sent, or {@link #WOULD_BLOCK}.
     */
    default long sendmsg(int fd, MemorySegment message, int flags) {
        throw new UnsupportedOperationException("sendmsg");
    }

    /**
     * {@code recvmsg(2)} into the {@code struct msghdr} at {@code message}: bytes received (0 at EOF),
     * or {@link #WOULD_BLOCK} (also when a receive timeout expired).
     */
    default long recvmsg(int fd, MemorySegment message, int flags) {
        throw new UnsupportedOperationException("recvmsg");
    }

    /** {@code shutdown(2)}. */
    default void shutdown(int fd, int how) {
        throw new UnsupportedOperationException("shutdown");
    }

    /** {@code getsockopt(2)} into {@code value}: returns the length the kernel stored. */
    default int getsockopt(int fd, int level, int option, MemorySegment value) {
        throw new UnsupportedOperationException("getsockopt");
    }

    /** {@code setsockopt(2)} with the first {@code length} bytes of {@code value} (a struct option). */
    default void setsockopt(int fd, int level, int option, MemorySegment value, int length) {
        throw new UnsupportedOperationException("setsockopt");
    }

    /** {@code unlink(2)}. */
    default void unlink(String path) {
        throw new UnsupportedOperationException("unlink");
    }

    /** {@code fstat(2)} into {@code stat} (a {@code struct stat}, {@code bindings.Stat.SIZE} bytes). */
    default void fstat(int fd, MemorySegment stat) {
        throw new UnsupportedOperationException("fstat");
    }

    /**
     * {@code preadv2(2)} with {@code count} {@code struct iovec}s at {@code iovecs}, at {@code offset}
     * (-1: the file position): bytes read, or {@link #WOULD_BLOCK}.
     */
    default long preadv2(int fd, MemorySegment iovecs, int count, long offset, int flags) {
        throw new UnsupportedOperationException("preadv2");
    }
}
