package io.virtio4j.api.platform;

/**
 * Flag and command values for the calls in {@link Platform}, as Linux defines them on x86-64 and
 * aarch64 (both use the asm-generic values for everything here). Each group names the header it
 * was copied from; {@code LinuxConstantsTest} compiles a C program against /usr/include and checks
 * every value.
 */
public final class LinuxConstants {
    private LinuxConstants() {
    }

    // ---- open(2) flags: /usr/include/asm-generic/fcntl.h (octal there, as here) ----
    /** Open for reading only. */
    public static final int O_RDONLY = 0;
    /** Open for writing only. */
    public static final int O_WRONLY = 01;
    /** Open for reading and writing. */
    public static final int O_RDWR = 02;
    /** Create the file if missing (needs a mode, which {@link Platform#open} does not take). */
    public static final int O_CREAT = 0100;
    /** Non-blocking I/O. */
    public static final int O_NONBLOCK = 04000;
    /** Must be a directory. */
    public static final int O_DIRECTORY = 0200000;
    /** Close on exec. */
    public static final int O_CLOEXEC = 02000000;
    /** Unnamed temporary file ({@code __O_TMPFILE | O_DIRECTORY}); needs a mode. */
    public static final int O_TMPFILE = 020000000 | O_DIRECTORY;

    // ---- fcntl(2) commands: /usr/include/asm-generic/fcntl.h, linux/fcntl.h ----
    /** Get the fd flags (FD_CLOEXEC). */
    public static final int F_GETFD = 1;
    /** Set the fd flags. */
    public static final int F_SETFD = 2;
    /** Get the file status flags (O_NONBLOCK, access mode). */
    public static final int F_GETFL = 3;
    /** Set the file status flags. */
    public static final int F_SETFL = 4;
    /** Duplicate with close-on-exec: {@code F_LINUX_SPECIFIC_BASE (1024) + 6}. */
    public static final int F_DUPFD_CLOEXEC = 1030;
    /** The close-on-exec fd flag. */
    public static final int FD_CLOEXEC = 1;
    /** Add seals to a memfd: {@code F_LINUX_SPECIFIC_BASE + 9}. */
    public static final int F_ADD_SEALS = 1033;
    /** Read a memfd's seals: {@code F_LINUX_SPECIFIC_BASE + 10}. */
    public static final int F_GET_SEALS = 1034;
    /** Seal: no further seals may be added. */
    public static final int F_SEAL_SEAL = 0x1;
    /** Seal: the file cannot shrink (a peer cannot make our mapping fault with SIGBUS). */
    public static final int F_SEAL_SHRINK = 0x2;
    /** Seal: the file cannot grow. */
    public static final int F_SEAL_GROW = 0x4;
    /** Seal: the contents cannot be written. */
    public static final int F_SEAL_WRITE = 0x8;

    // ---- eventfd(2): /usr/include/x86_64-linux-gnu/bits/eventfd.h ----
    /** Reads decrement the counter by one instead of clearing it. */
    public static final int EFD_SEMAPHORE = 1;
    /** Close on exec (= O_CLOEXEC). */
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    /** Non-blocking (= O_NONBLOCK). */
    public static final int EFD_NONBLOCK = O_NONBLOCK;

    // ---- epoll: /usr/include/linux/eventpoll.h ----
    /** epoll_create1 flag: close on exec (= O_CLOEXEC). */
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    /** epoll_ctl: add an fd. */
    public static final int EPOLL_CTL_ADD = 1;
    /** epoll_ctl: remove an fd. */
    public static final int EPOLL_CTL_DEL = 2;
    /** epoll_ctl: change an fd's events. */
    public static final int EPOLL_CTL_MOD = 3;
    /** Readable. */
    public static final int EPOLLIN = 0x001;
    /** Urgent data. */
    public static final int EPOLLPRI = 0x002;
    /** Writable. */
    public static final int EPOLLOUT = 0x004;
    /** Error condition (always reported). */
    public static final int EPOLLERR = 0x008;
    /** Hang up (always reported). */
    public static final int EPOLLHUP = 0x010;
    /** Peer closed its writing half. */
    public static final int EPOLLRDHUP = 0x2000;
    /** Report once, then disable until re-armed with EPOLL_CTL_MOD. */
    public static final int EPOLLONESHOT = 1 << 30;
    /** Edge-triggered. */
    public static final int EPOLLET = 1 << 31;

    // ---- mmap(2): /usr/include/asm-generic/mman-common.h, linux/mman.h ----
    /** No access. */
    public static final int PROT_NONE = 0;
    /** Readable. */
    public static final int PROT_READ = 1;
    /** Writable. */
    public static final int PROT_WRITE = 2;
    /** Changes are shared with every other mapping of the file (and the peer). */
    public static final int MAP_SHARED = 0x01;
    /** Copy-on-write private mapping. */
    public static final int MAP_PRIVATE = 0x02;
    /** Not backed by a file. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** Prefault the page tables. */
    public static final int MAP_POPULATE = 0x8000;

    // ---- memfd_create(2): /usr/include/linux/memfd.h ----
    /** Close on exec. */
    public static final int MFD_CLOEXEC = 0x1;
    /** Allow F_ADD_SEALS. */
    public static final int MFD_ALLOW_SEALING = 0x2;
    /** Back with huge pages. */
    public static final int MFD_HUGETLB = 0x4;

    // ---- ioctl(2): /usr/include/asm-generic/ioctls.h ----
    /** Bytes available to read ({@code int *} argument). */
    public static final long FIONREAD = 0x541B;

    // ---- readv/writev: /usr/include/linux/uio.h ----
    /** The most iovecs one readv/writev accepts (UIO_MAXIOV). */
    public static final int IOV_MAX = 1024;

    // ---- sockets: /usr/include/x86_64-linux-gnu/bits/socket.h, socket_type.h, netinet/in.h ----
    /** IPv4 address family. */
    public static final int AF_INET = 2;
    /** Datagram socket. */
    public static final int SOCK_DGRAM = 2;
    /** socket(2) type flag: non-blocking (= O_NONBLOCK). */
    public static final int SOCK_NONBLOCK = O_NONBLOCK;
    /** socket(2) type flag: close on exec (= O_CLOEXEC). */
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    /** UDP. */
    public static final int IPPROTO_UDP = 17;
    /** setsockopt level of the generic socket options. */
    public static final int SOL_SOCKET = 1;
    /** Send buffer size. */
    public static final int SO_SNDBUF = 7;
    /** Receive buffer size. */
    public static final int SO_RCVBUF = 8;
    /** msg_flags: the datagram was longer than the buffers given, its tail is lost. */
    public static final int MSG_TRUNC = 0x20;
    /** Do not block this call. */
    public static final int MSG_DONTWAIT = 0x40;
    /** Unix-domain address family. */
    public static final int AF_UNIX = 1;
    /** Stream socket. */
    public static final int SOCK_STREAM = 1;
    /** Control-message type: the message carries file descriptors. */
    public static final int SCM_RIGHTS = 1;
    /** msg_flags: the control buffer was too small, so some control data (fds) was dropped. */
    public static final int MSG_CTRUNC = 0x8;
    /** sendmsg flag: EPIPE instead of SIGPIPE when the peer is gone. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** recvmsg flag: the fds received close on exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** shutdown(2): no more sends. */
    public static final int SHUT_WR = 1;
    /** shutdown(2): no more sends or receives (wakes a blocked reader). */
    public static final int SHUT_RDWR = 2;
    /** Receive timeout (x86-64 and arm64, 64-bit {@code struct timeval}): a blocking receive fails with EAGAIN after it. */
    public static final int SO_RCVTIMEO = 20;
    /** The peer's {@code struct ucred} (pid, uid, gid: three ints), recorded at connect time. */
    public static final int SO_PEERCRED = 17;

    // ---- files: linux/fs.h ----
    /** preadv2 flag: fail with EAGAIN instead of blocking, whatever the file's O_NONBLOCK says. */
    public static final int RWF_NOWAIT = 0x8;
}
