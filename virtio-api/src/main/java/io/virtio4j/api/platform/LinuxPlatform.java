package io.virtio4j.api.platform;

import static io.virtio4j.api.platform.Errno.EAGAIN;
import static io.virtio4j.api.platform.Errno.EINTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.platform.bindings.EpollEvent;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.platform.bindings.LibC;
import io.virtio4j.api.platform.bindings.MmsgHdr;
import io.virtio4j.api.platform.bindings.MsgHdr;
import io.virtio4j.api.platform.bindings.Stat;

/**
 * {@link Platform} on Linux through the FFM API, over the raw handles in {@link LibC}.
 *
 * <p>This class owns the policy the bindings leave out: every buffer is checked to be native,
 * writable where the kernel writes, and at least as long as the length handed to the kernel, so a
 * system call can never touch memory outside the segment it was given; {@code errno} is read from
 * the call-state segment the JVM fills right after the call; {@code EINTR} is retried; and
 * {@code EAGAIN} from the four data calls becomes {@link #WOULD_BLOCK}.
 *
 * <p>The data path (read, write, readv, writev, epollWait) allocates nothing: the errno capture
 * segment and a small scratch area live in a per-thread {@link Scratch} created once per thread.
 */
public final class LinuxPlatform implements Platform {
    private static final LinuxPlatform INSTANCE = new LinuxPlatform();

    /** Per-thread call state; allocated on a thread's first call, freed with the thread by the GC. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private LinuxPlatform() {
    }

    /** The singleton. */
    public static LinuxPlatform instance() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            throw new UnsupportedOperationException("LinuxPlatform needs Linux, this is " + System.getProperty("os.name"));
        }
        return INSTANCE;
    }

    /** Per-thread memory handed to the kernel: the errno capture state and room for small structs. */
    private static final class Scratch {
        final MemorySegment capture;
        /** One epoll_event for epoll_ctl, the two ints of pipe2, or an int socket option or length. */
        final MemorySegment small;

        Scratch() {
            Arena arena = Arena.ofAuto();
            capture = arena.allocate(LibC.CAPTURE_LAYOUT);
            small = arena.allocate(Math.max(EpollEvent.SIZE, 8), 8);
        }
    }

    /** {@link #dataResult}'s answer for EINTR: call again. Never a byte count nor WOULD_BLOCK. */
    private static final long RETRY = -2;

    /**
     * The outcome of one read/write/readv/writev: the byte count, {@link #WOULD_BLOCK} for
     * EAGAIN, {@link #RETRY} for EINTR; any other errno throws. Shared so the four data calls keep
     * one policy and stay allocation-free (no lambda around the call).
     */
    private static long dataResult(String call, long n, MemorySegment capture) {
        if (n >= 0) {
            return n;
        }
        int errno = LibC.errno(capture);
        if (errno == EAGAIN) {
            return WOULD_BLOCK;
        }
        if (errno == EINTR) {
            return RETRY;
        }
        throw new NativeException(call, errno);
    }

    private static MemorySegment capture() {
        return SCRATCH.get().capture;
    }

    /** One control call, made with {@code capture} as its errno capture; returns the raw result. */
    @FunctionalInterface
    private interface ControlCall {
        long call(MemorySegment capture);
    }

    /**
     * The EINTR policy of the control calls, in one place: makes {@code call} until a signal does
     * not interrupt it, returns its non-negative result, and throws {@link NativeException} naming
     * {@code name} and {@code subject} for any other failure. The data calls keep
     * {@link #dataResult} instead, which needs no lambda and so stays allocation-free.
     */
    private static long retryInterrupted(String name, java.util.function.Supplier<String> subject, ControlCall call) {
        MemorySegment capture = capture();
        while (true) {
            long result = call.call(capture);
            if (result >= 0) {
                return result;
            }
            int errno = LibC.errno(capture);
            if (errno != EINTR) {
                throw new NativeException(name, subject.get(), errno);
            }
        }
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        MemorySegment capture = capture();
        int fd = LibC.eventfd(capture, initialValue, flags);
        if (fd < 0) {
            throw new NativeException("eventfd", LibC.errno(capture));
        }
        return fd;
    }

    @Override
    public int open(String path, int flags) {
        if ((flags & LinuxConstants.O_CREAT) != 0 || (flags & LinuxConstants.O_TMPFILE) == LinuxConstants.O_TMPFILE) {
            throw new IllegalArgumentException("open(" + path + "): O_CREAT/O_TMPFILE need a mode, which this call does not take");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) retryInterrupted("open", () -> path, c -> LibC.open(c, cPath, flags, 0));
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code EINTR} is not retried here: Linux has already released the fd when close returns
     * it, and a retry could close an fd another thread has just been given.
     */
    @Override
    public void close(int fd) {
        if (fd == -1) {
            return;
        }
        MemorySegment capture = capture();
        if (LibC.close(capture, fd) < 0) {
            int errno = LibC.errno(capture);
            if (errno != EINTR) {
                throw new NativeException("close", "fd " + fd, errno);
            }
        }
    }

    @Override
    public int dup(int fd) {
        try {
            return fcntl(fd, LinuxConstants.F_DUPFD_CLOEXEC, 0);
        } catch (NativeException e) {
            throw new NativeException("dup", "fd " + fd, e.errno());
        }
    }

    @Override
    public int fcntl(int fd, int cmd, long arg) {
        return (int) retryInterrupted("fcntl", () -> "fd " + fd + ", cmd " + cmd, c -> LibC.fcntl(c, fd, cmd, arg));
    }

    @Override
    public int[] pipe(int flags) {
        Scratch scratch = SCRATCH.get();
        // In bounds: scratch.small is at least 8 bytes, the two ints pipe2 writes.
        if (LibC.pipe2(scratch.capture, scratch.small, flags) < 0) {
            throw new NativeException("pipe2", LibC.errno(scratch.capture));
        }
        return new int[] {scratch.small.get(ValueLayout.JAVA_INT, 0), scratch.small.get(ValueLayout.JAVA_INT, 4)};
    }

    @Override
    public long read(int fd, MemorySegment buffer, long length) {
        checkBuffer("read", buffer, length, true);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkBuffer proved 0 <= length <= buffer.byteSize(); the kernel writes at most length bytes.
            n = dataResult("read", LibC.read(capture, fd, buffer, length), capture);
        } while (n == RETRY);
        return n;
    }

    @Override
    public long write(int fd, MemorySegment buffer, long length) {
        checkBuffer("write", buffer, length, false);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkBuffer proved 0 <= length <= buffer.byteSize(); the kernel reads at most length bytes.
            n = dataResult("write", LibC.write(capture, fd, buffer, length), capture);
        } while (n == RETRY);
        return n;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The iovec array itself is bounds-checked here; the buffers it points at are raw addresses
     * the caller built (from {@link io.virtio4j.api.memory.GuestMemory} translations, which are
     * bounds-checked there).
     */
    @Override
    public long readv(int fd, MemorySegment iovecs, int count) {
        checkIovecs("readv", iovecs, count);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkIovecs proved iovecs holds count entries; the entries are the caller's checked ranges.
            n = dataResult("readv", LibC.readv(capture, fd, iovecs, count), capture);
        } while (n == RETRY);
        return n;
    }

    @Override
    public long writev(int fd, MemorySegment iovecs, int count) {
        checkIovecs("writev", iovecs, count);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkIovecs proved iovecs holds count entries; the entries are the caller's checked ranges.
            n = dataResult("writev", LibC.writev(capture, fd, iovecs, count), capture);
        } while (n == RETRY);
        return n;
    }

    /**
     * {@inheritDoc}
     *
     * <p>When {@code request} is {@code _IOC}-encoded with a direction, {@code arg} must be at least
     * the size the encoding declares, so the kernel's copy_from_user/copy_to_user of that size stays
     * inside {@code arg}. Legacy requests (FIONREAD, TUNSETIFF's real ifreq argument is larger than
     * its encoded int) cannot be checked beyond that; their callers size {@code arg} for the struct.
     */
    @Override
    public int ioctl(int fd, long request, MemorySegment arg) {
        long declared = IoctlRequest.argumentSize(request);
        if (!arg.equals(MemorySegment.NULL) && !arg.isNative()) {
            throw new IllegalArgumentException("ioctl(0x" + Long.toHexString(request) + "): argument must be native memory");
        }
        if (arg.byteSize() < declared) {
            throw new IllegalArgumentException("ioctl(0x%x): argument is %d bytes, the request declares %d"
                    .formatted(request, arg.byteSize(), declared));
        }
        // In bounds: arg is at least as large as the size the request encodes (checked above).
        return (int) retryInterrupted("ioctl", () -> IoctlRequest.describe(request), c -> LibC.ioctl(c, fd, request, arg));
    }

    @Override
    public int ioctl(int fd, long request, long arg) {
        return (int) retryInterrupted("ioctl", () -> IoctlRequest.describe(request), c -> LibC.ioctl(c, fd, request, arg));
    }

    @Override
    public int memfdCreate(String name, int flags) {
        MemorySegment capture = capture();
        try (Arena arena = Arena.ofConfined()) {
            int fd = LibC.memfdCreate(capture, arena.allocateFrom(name), flags);
            if (fd < 0) {
                throw new NativeException("memfd_create", name, LibC.errno(capture));
            }
            return fd;
        }
    }

    @Override
    public void ftruncate(int fd, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("ftruncate: negative length " + length);
        }
        retryInterrupted("ftruncate", () -> "fd " + fd, c -> LibC.ftruncate(c, fd, length));
    }

    @Override
    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap: length must be positive, got " + length);
        }
        MemorySegment capture = capture();
        MemorySegment address = LibC.mmap(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
        if (address.address() == -1L) { // MAP_FAILED
            throw new NativeException("mmap", "fd " + fd + ", " + length + " bytes at offset " + offset, LibC.errno(capture));
        }
        // In bounds: the kernel mapped at least length bytes (rounded up to a page) at this address.
        return address.reinterpret(length);
    }

    @Override
    public void munmap(MemorySegment mapping) {
        if (mapping.byteSize() == 0) {
            throw new IllegalArgumentException("munmap: empty segment (not one returned by mmap)");
        }
        MemorySegment capture = capture();
        // Only the address and size are passed: the kernel unmaps exactly what mmap mapped.
        if (LibC.munmap(capture, MemorySegment.ofAddress(mapping.address()), mapping.byteSize()) < 0) {
            throw new NativeException("munmap", mapping.byteSize() + " bytes", LibC.errno(capture));
        }
    }

    @Override
    public int epollCreate() {
        MemorySegment capture = capture();
        int fd = LibC.epollCreate1(capture, LinuxConstants.EPOLL_CLOEXEC);
        if (fd < 0) {
            throw new NativeException("epoll_create1", LibC.errno(capture));
        }
        return fd;
    }

    @Override
    public void epollCtl(int epfd, int op, int fd, int events, long data) {
        MemorySegment event = SCRATCH.get().small;
        // In bounds: the scratch's small area holds at least one epoll_event.
        EpollEvent.set(event, 0, events, data);
        retryInterrupted("epoll_ctl", () -> ctlName(op) + " fd " + fd, c -> LibC.epollCtl(c, epfd, op, fd, event));
    }

    /**
     * {@inheritDoc}
     *
     * <p>After an {@code EINTR} the wait resumes with what is left of the timeout, so a signal
     * neither ends the wait early nor stretches it.
     */
    @Override
    public int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        if (maxEvents <= 0) {
            throw new IllegalArgumentException("epoll_wait: maxEvents must be positive, got " + maxEvents);
        }
        checkBuffer("epoll_wait", events, EpollEvent.arraySize(maxEvents), true);
        MemorySegment capture = capture();
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : 0;
        int timeout = timeoutMillis;
        while (true) {
            // In bounds: events holds maxEvents epoll_events (checked above); the kernel writes at most that many.
            int n = LibC.epollWait(capture, epfd, events, maxEvents, timeout);
            if (n >= 0) {
                return n;
            }
            int errno = LibC.errno(capture);
            if (errno != EINTR) {
                throw new NativeException("epoll_wait", "epfd " + epfd, errno);
            }
            if (timeoutMillis > 0) {
                timeout = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            }
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        MemorySegment capture = capture();
        int fd = LibC.socket(capture, domain, type, protocol);
        if (fd < 0) {
            throw new NativeException("socket", "domain " + domain + ", type " + type, LibC.errno(capture));
        }
        return fd;
    }

    @Override
    public void bind(int fd, MemorySegment address, int length) {
        checkBuffer("bind", address, length, false);
        MemorySegment capture = capture();
        // In bounds: checkBuffer proved the kernel reads length bytes inside address.
        if (LibC.bind(capture, fd, address, length) < 0) {
            throw new NativeException("bind", "fd " + fd, LibC.errno(capture));
        }
    }

    @Override
    public int getsockname(int fd, MemorySegment address) {
        checkBuffer("getsockname", address, address.byteSize(), true);
        if (address.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("getsockname: address buffer too large");
        }
        Scratch scratch = SCRATCH.get();
        // In bounds: scratch.small holds the socklen_t; the kernel writes at most its value into address.
        scratch.small.set(ValueLayout.JAVA_INT, 0, (int) address.byteSize());
        if (LibC.getsockname(scratch.capture, fd, address, scratch.small) < 0) {
            throw new NativeException("getsockname", "fd " + fd, LibC.errno(scratch.capture));
        }
        return scratch.small.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public void setsockopt(int fd, int level, int option, int value) {
        Scratch scratch = SCRATCH.get();
        // In bounds: scratch.small holds the 4-byte int the kernel reads.
        scratch.small.set(ValueLayout.JAVA_INT, 0, value);
        if (LibC.setsockopt(scratch.capture, fd, level, option, scratch.small, 4) < 0) {
            throw new NativeException("setsockopt", "fd " + fd + ", level " + level + ", option " + option,
                    LibC.errno(scratch.capture));
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The message array is bounds-checked here; the names and iovecs its entries point at are raw
     * addresses the caller built over its own buffers, as for {@link #writev}.
     */
    @Override
    public int sendmmsg(int fd, MemorySegment messages, int count, int flags) {
        checkMessages("sendmmsg", messages, count);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkMessages proved messages holds count entries; their buffers are the caller's checked ranges.
            n = dataResult("sendmmsg", LibC.sendmmsg(capture, fd, messages, count, flags), capture);
        } while (n == RETRY);
        return (int) n;
    }

    @Override
    public int recvmmsg(int fd, MemorySegment messages, int count, int flags) {
        checkMessages("recvmmsg", messages, count);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkMessages proved messages holds count entries (the kernel writes msg_len,
            // msg_flags, msg_namelen in them); the buffers they point at are the caller's checked ranges.
            n = dataResult("recvmmsg", LibC.recvmmsg(capture, fd, messages, count, flags, MemorySegment.NULL), capture);
        } while (n == RETRY);
        return (int) n;
    }

    @Override
    public int[] socketpair(int domain, int type, int protocol) {
        Scratch scratch = SCRATCH.get();
        // In bounds: scratch.small is at least 8 bytes, the two ints socketpair writes.
        if (LibC.socketpair(scratch.capture, domain, type, protocol, scratch.small) < 0) {
            throw new NativeException("socketpair", "domain " + domain + ", type " + type, LibC.errno(scratch.capture));
        }
        return new int[] {scratch.small.get(ValueLayout.JAVA_INT, 0), scratch.small.get(ValueLayout.JAVA_INT, 4)};
    }

    @Override
    public void listen(int fd, int backlog) {
        MemorySegment capture = capture();
        if (LibC.listen(capture, fd, backlog) < 0) {
            throw new NativeException("listen", "fd " + fd, LibC.errno(capture));
        }
    }

    @Override
    public int accept(int fd, int flags) {
        // No peer address is asked for: NULL address and length, nothing for the kernel to write.
        return (int) retryInterrupted("accept4", () -> "fd " + fd,
                c -> LibC.accept4(c, fd, MemorySegment.NULL, MemorySegment.NULL, flags));
    }

    @Override
    public void connect(int fd, MemorySegment address, int length) {
        checkBuffer("connect", address, length, false);
        // In bounds: checkBuffer proved the kernel reads length bytes inside address.
        retryInterrupted("connect", () -> "fd " + fd, c -> LibC.connect(c, fd, address, length));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The header itself is bounds-checked here; the iovecs and control buffer it points at are raw
     * addresses the caller built over its own segments, as for {@link #writev}.
     */
    @Override
    public long sendmsg(int fd, MemorySegment message, int flags) {
        checkBuffer("sendmsg", message, MsgHdr.SIZE, false);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: message holds a whole msghdr (checked above); what it points at is the caller's.
            n = dataResult("sendmsg", LibC.sendmsg(capture, fd, message, flags), capture);
        } while (n == RETRY);
        return n;
    }

    @Override
    public long recvmsg(int fd, MemorySegment message, int flags) {
        // The kernel writes msg_controllen and msg_flags back: writable.
        checkBuffer("recvmsg", message, MsgHdr.SIZE, true);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: message holds a whole msghdr (checked above); what it points at is the caller's.
            n = dataResult("recvmsg", LibC.recvmsg(capture, fd, message, flags), capture);
        } while (n == RETRY);
        return n;
    }

    @Override
    public void shutdown(int fd, int how) {
        MemorySegment capture = capture();
        if (LibC.shutdown(capture, fd, how) < 0) {
            throw new NativeException("shutdown", "fd " + fd, LibC.errno(capture));
        }
    }

    @Override
    public int getsockopt(int fd, int level, int option, MemorySegment value) {
        checkBuffer("getsockopt", value, value.byteSize(), true);
        if (value.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("getsockopt: value buffer too large");
        }
        Scratch scratch = SCRATCH.get();
        // In bounds: scratch.small holds the socklen_t; the kernel writes at most its value into value.
        scratch.small.set(ValueLayout.JAVA_INT, 0, (int) value.byteSize());
        if (LibC.getsockopt(scratch.capture, fd, level, option, value, scratch.small) < 0) {
            throw new NativeException("getsockopt", "fd " + fd + ", level " + level + ", option " + option,
                    LibC.errno(scratch.capture));
        }
        return scratch.small.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public void setsockopt(int fd, int level, int option, MemorySegment value, int length) {
        checkBuffer("setsockopt", value, length, false);
        MemorySegment capture = capture();
        // In bounds: checkBuffer proved the kernel reads length bytes inside value.
        if (LibC.setsockopt(capture, fd, level, option, value, length) < 0) {
            throw new NativeException("setsockopt", "fd " + fd + ", level " + level + ", option " + option,
                    LibC.errno(capture));
        }
    }

    @Override
    public void unlink(String path) {
        MemorySegment capture = capture();
        try (Arena arena = Arena.ofConfined()) {
            if (LibC.unlink(capture, arena.allocateFrom(path)) < 0) {
                throw new NativeException("unlink", path, LibC.errno(capture));
            }
        }
    }

    @Override
    public void fstat(int fd, MemorySegment stat) {
        checkBuffer("fstat", stat, Stat.SIZE, true);
        MemorySegment capture = capture();
        // In bounds: stat holds a whole struct stat (checked above), all the kernel writes.
        if (LibC.fstat(capture, fd, stat) < 0) {
            throw new NativeException("fstat", "fd " + fd, LibC.errno(capture));
        }
    }

    @Override
    public long preadv2(int fd, MemorySegment iovecs, int count, long offset, int flags) {
        checkIovecs("preadv2", iovecs, count);
        MemorySegment capture = capture();
        long n;
        do {
            // In bounds: checkIovecs proved iovecs holds count entries; the entries are the caller's checked ranges.
            n = dataResult("preadv2", LibC.preadv2(capture, fd, iovecs, count, offset, flags), capture);
        } while (n == RETRY);
        return n;
    }

    private static void checkMessages(String call, MemorySegment messages, int count) {
        if (count <= 0 || count > LinuxConstants.IOV_MAX) {
            throw new IllegalArgumentException("%s: message count %d outside 1..%d".formatted(call, count, LinuxConstants.IOV_MAX));
        }
        // Both calls write msg_len (and recvmmsg msg_flags, msg_namelen) into each entry: writable.
        checkBuffer(call, messages, MmsgHdr.arraySize(count), true);
    }

    private static void checkBuffer(String call, MemorySegment buffer, long length, boolean kernelWrites) {
        if (length < 0 || length > buffer.byteSize()) {
            throw new IllegalArgumentException("%s: length %d outside the %d-byte buffer".formatted(call, length, buffer.byteSize()));
        }
        if (!buffer.isNative()) {
            throw new IllegalArgumentException(call + ": buffer must be native memory (a heap segment cannot be passed to the kernel)");
        }
        if (kernelWrites && buffer.isReadOnly()) {
            throw new IllegalArgumentException(call + ": buffer is read-only but the kernel writes into it");
        }
    }

    private static void checkIovecs(String call, MemorySegment iovecs, int count) {
        if (count < 0 || count > LinuxConstants.IOV_MAX) {
            throw new IllegalArgumentException("%s: iovec count %d outside 0..%d".formatted(call, count, LinuxConstants.IOV_MAX));
        }
        checkBuffer(call, iovecs, IoVec.arraySize(count), false);
    }

    private static String ctlName(int op) {
        return switch (op) {
            case LinuxConstants.EPOLL_CTL_ADD -> "EPOLL_CTL_ADD";
            case LinuxConstants.EPOLL_CTL_DEL -> "EPOLL_CTL_DEL";
            case LinuxConstants.EPOLL_CTL_MOD -> "EPOLL_CTL_MOD";
            default -> "op " + op;
        };
    }

    /** Bytes of the cpu_set_t passed to the kernel: 4096 CPUs, far above any machine this runs on. */
    private static final int CPU_SET_BYTES = 512;

    @Override
    public int gettid() {
        return LibC.gettid();
    }

    @Override
    public void setAffinity(int tid, java.util.BitSet cpus) {
        if (tid < 0 || cpus.isEmpty() || cpus.length() > CPU_SET_BYTES * 8) {
            throw new IllegalArgumentException("sched_setaffinity: thread " + tid + ", CPUs " + cpus);
        }
        MemorySegment capture = capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            byte[] bits = cpus.toByteArray();
            // In bounds: cpus.length() <= CPU_SET_BYTES * 8, so bits.length <= CPU_SET_BYTES.
            MemorySegment.copy(bits, 0, mask, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bits.length);
            if (LibC.schedSetaffinity(capture, tid, CPU_SET_BYTES, mask) < 0) {
                throw new NativeException("sched_setaffinity", "thread " + tid + " to CPUs " + cpus, LibC.errno(capture));
            }
        }
    }

    @Override
    public java.util.BitSet affinity(int tid) {
        if (tid < 0) {
            throw new IllegalArgumentException("sched_getaffinity: thread " + tid);
        }
        MemorySegment capture = capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            // glibc returns 0 and zeroes the mask past what the kernel wrote.
            if (LibC.schedGetaffinity(capture, tid, CPU_SET_BYTES, mask) < 0) {
                throw new NativeException("sched_getaffinity", "thread " + tid, LibC.errno(capture));
            }
            // In bounds: the mask segment is exactly CPU_SET_BYTES long.
            return java.util.BitSet.valueOf(mask.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }
}
