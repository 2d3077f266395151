package io.virtio4j.api.platform;

import static io.virtio4j.api.platform.LinuxConstants.EFD_CLOEXEC;
import static io.virtio4j.api.platform.LinuxConstants.EFD_NONBLOCK;
import static io.virtio4j.api.platform.LinuxConstants.O_CLOEXEC;
import static io.virtio4j.api.platform.LinuxConstants.O_NONBLOCK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.platform.bindings.EpollEvent;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.testing.OpenFds;

/** Real system calls through {@link LinuxPlatform}: results, errno mapping, and bounds checks. */
class LinuxPlatformTest {
    private final Platform platform = Platform.linux();
    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    @Test
    void eventfdCounterRoundTripsThroughWriteAndRead() {
        int fd = platform.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        try {
            MemorySegment value = arena.allocate(8);
            value.set(ValueLayout.JAVA_LONG, 0, 3);
            assertEquals(8, platform.write(fd, value, 8));
            value.set(ValueLayout.JAVA_LONG, 0, 4);
            assertEquals(8, platform.write(fd, value, 8));
            value.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(8, platform.read(fd, value, 8));
            assertEquals(7, value.get(ValueLayout.JAVA_LONG, 0), "eventfd adds writes and read clears the sum");
        } finally {
            platform.close(fd);
        }
    }

    @Test
    void emptyNonBlockingReadReturnsWouldBlock() {
        int fd = platform.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        try {
            assertEquals(Platform.WOULD_BLOCK, platform.read(fd, arena.allocate(8), 8));
        } finally {
            platform.close(fd);
        }
    }

    @Test
    void fullNonBlockingPipeWriteReturnsWouldBlock() {
        int[] pipe = platform.pipe(O_NONBLOCK | O_CLOEXEC);
        try {
            MemorySegment chunk = arena.allocate(65536);
            long total = 0;
            long n;
            while ((n = platform.write(pipe[1], chunk, chunk.byteSize())) != Platform.WOULD_BLOCK) {
                total += n;
            }
            assertTrue(total >= 4096, "the pipe took " + total + " bytes before it filled");
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    @Test
    void openOfAMissingPathNamesTheCallThePathAndEnoent() {
        NativeException e = assertThrows(NativeException.class,
                () -> platform.open("/nonexistent/virtio4j-test", LinuxConstants.O_RDONLY));
        assertEquals("open", e.call());
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("ENOENT", e.errnoName());
        assertEquals("open(/nonexistent/virtio4j-test) failed: ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void openRefusesFlagsThatNeedAMode() {
        assertThrows(IllegalArgumentException.class, () -> platform.open("/tmp/x", LinuxConstants.O_CREAT | LinuxConstants.O_RDWR));
        assertThrows(IllegalArgumentException.class, () -> platform.open("/tmp", LinuxConstants.O_TMPFILE | LinuxConstants.O_RDWR));
    }

    @Test
    void openReadsARealFile() {
        int fd = platform.open("/proc/self/stat", LinuxConstants.O_RDONLY | O_CLOEXEC);
        try {
            MemorySegment buffer = arena.allocate(64);
            long n = platform.read(fd, buffer, 64);
            assertTrue(n > 0);
            String pid = new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).split(" ")[0];
            assertEquals(ProcessHandle.current().pid(), Long.parseLong(pid));
        } finally {
            platform.close(fd);
        }
    }

    @Test
    void closeOfMinusOneIsANoOpAndOfAClosedFdIsEbadf() {
        platform.close(-1);
        int fd = platform.eventfd(0, EFD_CLOEXEC);
        platform.close(fd);
        assertNull(OpenFds.target(fd), "fd " + fd + " is really closed");
        NativeException e = assertThrows(NativeException.class, () -> platform.close(fd));
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("close(fd " + fd + ") failed: EBADF (Bad file descriptor)", e.getMessage());
    }

    @Test
    void readOfABadFdIsEbadf() {
        NativeException e = assertThrows(NativeException.class, () -> platform.read(1_000_000, arena.allocate(8), 8));
        assertEquals("read", e.call());
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void writevThenReadvMovesTwoElementIovecsThroughAPipe() {
        int[] pipe = platform.pipe(O_NONBLOCK | O_CLOEXEC);
        try {
            MemorySegment hello = arena.allocateFrom("hello ", StandardCharsets.US_ASCII).asSlice(0, 6);
            MemorySegment world = arena.allocateFrom("world", StandardCharsets.US_ASCII).asSlice(0, 5);
            MemorySegment out = arena.allocate(IoVec.LAYOUT, 2);
            IoVec.set(out, 0, hello);
            IoVec.set(out, 1, world);
            assertEquals(11, platform.writev(pipe[1], out, 2));

            MemorySegment first = arena.allocate(4);
            MemorySegment second = arena.allocate(16);
            MemorySegment in = arena.allocate(IoVec.LAYOUT, 2);
            IoVec.set(in, 0, first);
            IoVec.set(in, 1, second);
            assertEquals(11, platform.readv(pipe[0], in, 2));
            assertEquals("hell", ascii(first, 4));
            assertEquals("o world", ascii(second, 7));
            assertEquals(Platform.WOULD_BLOCK, platform.readv(pipe[0], in, 2), "pipe drained");
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    @Test
    void iovecArraysAreBoundsChecked() {
        MemorySegment oneIovec = arena.allocate(IoVec.LAYOUT, 1);
        assertThrows(IllegalArgumentException.class, () -> platform.writev(1, oneIovec, 2), "count beyond the array");
        assertThrows(IllegalArgumentException.class, () -> platform.readv(1, oneIovec, -1));
        assertThrows(IllegalArgumentException.class, () -> IoVec.set(oneIovec, 0, MemorySegment.ofArray(new byte[4])), "heap");
        MemorySegment many = arena.allocate(IoVec.LAYOUT, LinuxConstants.IOV_MAX + 1);
        assertThrows(IllegalArgumentException.class, () -> platform.readv(1, many, LinuxConstants.IOV_MAX + 1));
    }

    @Test
    void buffersAreCheckedBeforeTheKernelSeesThem() {
        MemorySegment eight = arena.allocate(8);
        assertThrows(IllegalArgumentException.class, () -> platform.read(0, eight, 9), "length beyond the segment");
        assertThrows(IllegalArgumentException.class, () -> platform.write(0, eight, -1));
        assertThrows(IllegalArgumentException.class, () -> platform.read(0, MemorySegment.ofArray(new byte[8]), 8), "heap");
        assertThrows(IllegalArgumentException.class, () -> platform.read(0, eight.asReadOnly(), 8), "read-only target");
    }

    @Test
    void fionreadOnAPipeCountsQueuedBytes() {
        int[] pipe = platform.pipe(O_CLOEXEC);
        try {
            MemorySegment data = arena.allocate(5);
            assertEquals(5, platform.write(pipe[1], data, 5));
            MemorySegment available = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, platform.ioctl(pipe[0], LinuxConstants.FIONREAD, available));
            assertEquals(5, available.get(ValueLayout.JAVA_INT, 0));
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    @Test
    void ioctlErrorsNameTheDecodedRequestAndAcceptACallerDetail() {
        long tunsetiff = 0x400454caL; // _IOW('T', 202, int) from linux/if_tun.h
        int[] pipe = platform.pipe(O_CLOEXEC);
        try {
            NativeException e = assertThrows(NativeException.class,
                    () -> platform.ioctl(pipe[0], tunsetiff, arena.allocate(40)));
            assertEquals(Errno.ENOTTY, e.errno());
            assertEquals("ioctl(_IOW('T', 202, 4)) failed: ENOTTY (Inappropriate ioctl for device)", e.getMessage());
            assertEquals("ioctl(TUNSETIFF) failed: ENOTTY (Inappropriate ioctl for device)",
                    e.withDetail("TUNSETIFF").getMessage());
            NativeException byValue = assertThrows(NativeException.class, () -> platform.ioctl(pipe[0], tunsetiff, 0L));
            assertEquals(Errno.ENOTTY, byValue.errno());
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    @Test
    void ioctlArgumentSmallerThanTheEncodedSizeIsRefused() {
        long readsEightBytes = (2L << 30) | (8L << 16) | ('x' << 8) | 1; // _IOR('x', 1, 8)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> platform.ioctl(0, readsEightBytes, arena.allocate(4)));
        assertTrue(e.getMessage().contains("the request declares 8"), e.getMessage());
    }

    @Test
    void dupReturnsANewCloseOnExecFdForTheSameFile() {
        int fd = platform.eventfd(0, EFD_NONBLOCK);
        int copy = platform.dup(fd);
        try {
            assertNotEquals(fd, copy);
            assertEquals(LinuxConstants.FD_CLOEXEC, platform.fcntl(copy, LinuxConstants.F_GETFD, 0) & LinuxConstants.FD_CLOEXEC);
            MemorySegment one = arena.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            platform.write(fd, one, 8);
            assertEquals(8, platform.read(copy, one, 8), "the copy sees the original's counter");
        } finally {
            platform.close(fd);
            platform.close(copy);
        }
        NativeException e = assertThrows(NativeException.class, () -> platform.dup(fd));
        assertEquals("dup", e.call());
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void fcntlSetsAndReadsStatusFlags() {
        int fd = platform.eventfd(0, EFD_CLOEXEC);
        try {
            assertEquals(0, platform.fcntl(fd, LinuxConstants.F_GETFL, 0) & O_NONBLOCK);
            platform.fcntl(fd, LinuxConstants.F_SETFL, platform.fcntl(fd, LinuxConstants.F_GETFL, 0) | O_NONBLOCK);
            assertEquals(O_NONBLOCK, platform.fcntl(fd, LinuxConstants.F_GETFL, 0) & O_NONBLOCK);
            assertEquals(Platform.WOULD_BLOCK, platform.read(fd, arena.allocate(8), 8), "now non-blocking");
        } finally {
            platform.close(fd);
        }
    }

    @Test
    void anonymousMappingIsUsableAndUnmaps() {
        MemorySegment mapping = platform.mmap(8192, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS, -1, 0);
        assertEquals(8192, mapping.byteSize());
        assertEquals(0, mapping.address() % 4096, "page aligned");
        mapping.set(ValueLayout.JAVA_LONG, 8184, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, mapping.get(ValueLayout.JAVA_LONG, 8184));
        platform.munmap(mapping);
    }

    @Test
    void mmapOfABadFdIsEbadf() {
        NativeException e = assertThrows(NativeException.class,
                () -> platform.mmap(4096, LinuxConstants.PROT_READ, LinuxConstants.MAP_SHARED, 1_000_000, 0));
        assertEquals("mmap", e.call());
        assertEquals(Errno.EBADF, e.errno());
        assertThrows(IllegalArgumentException.class, () -> platform.mmap(0, LinuxConstants.PROT_READ, LinuxConstants.MAP_SHARED, 0, 0));
    }

    @Test
    void memfdIsSizedByFtruncate() {
        int fd = platform.memfdCreate("virtio4j-test", LinuxConstants.MFD_CLOEXEC);
        try {
            assertTrue(OpenFds.target(fd).startsWith("/memfd:virtio4j-test"), OpenFds.target(fd));
            platform.ftruncate(fd, 4096);
            MemorySegment map = platform.mmap(4096, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE, LinuxConstants.MAP_SHARED, fd, 0);
            map.set(ValueLayout.JAVA_INT, 4092, 42);
            platform.munmap(map);
            // pread is not in Platform; a second mapping proves the bytes live in the file.
            MemorySegment again = platform.mmap(4096, LinuxConstants.PROT_READ, LinuxConstants.MAP_SHARED, fd, 0);
            assertEquals(42, again.get(ValueLayout.JAVA_INT, 4092));
            platform.munmap(again);
        } finally {
            platform.close(fd);
        }
    }

    @Test
    void epollReportsAReadyEventfdWithItsDataAndTimesOutOtherwise() {
        int epfd = platform.epollCreate();
        int efd = platform.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        try {
            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_ADD, efd, LinuxConstants.EPOLLIN, 0xABCDEF0123L);
            MemorySegment events = arena.allocate(EpollEvent.LAYOUT, 4);
            assertEquals(0, platform.epollWait(epfd, events, 4, 0));
            long start = System.nanoTime();
            assertEquals(0, platform.epollWait(epfd, events, 4, 50));
            assertTrue(System.nanoTime() - start >= 45_000_000L, "waited for the timeout");

            MemorySegment one = arena.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            platform.write(efd, one, 8);
            assertEquals(1, platform.epollWait(epfd, events, 4, 1000));
            assertEquals(LinuxConstants.EPOLLIN, EpollEvent.events(events, 0) & LinuxConstants.EPOLLIN);
            assertEquals(0xABCDEF0123L, EpollEvent.data(events, 0));

            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_DEL, efd, 0, 0);
            assertEquals(0, platform.epollWait(epfd, events, 4, 0), "removed fds are no longer reported");
            NativeException e = assertThrows(NativeException.class,
                    () -> platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_DEL, efd, 0, 0));
            assertEquals(Errno.ENOENT, e.errno());
            assertTrue(e.getMessage().startsWith("epoll_ctl(EPOLL_CTL_DEL fd " + efd + ") failed: ENOENT"), e.getMessage());
        } finally {
            platform.close(efd);
            platform.close(epfd);
        }
    }

    @Test
    void epollWaitChecksTheEventsBuffer() {
        MemorySegment two = arena.allocate(EpollEvent.LAYOUT, 2);
        assertThrows(IllegalArgumentException.class, () -> platform.epollWait(0, two, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> platform.epollWait(0, two, 0, 0));
    }

    @Test
    void epollEventHasTheKernelLayout() {
        String arch = System.getProperty("os.arch");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        assertEquals(x86 ? 12 : 16, EpollEvent.SIZE);
        assertEquals(16, IoVec.SIZE);
    }

    @Test
    void manyCreateCloseCyclesLeakNoFds() {
        cycle(); // warm-up: class loading may open files once
        long before = OpenFds.count();
        for (int i = 0; i < 500; i++) {
            cycle();
        }
        assertEquals(before, OpenFds.count());
    }

    private void cycle() {
        int efd = platform.eventfd(0, EFD_CLOEXEC);
        int[] pipe = platform.pipe(O_CLOEXEC);
        int epfd = platform.epollCreate();
        int mfd = platform.memfdCreate("cycle", LinuxConstants.MFD_CLOEXEC);
        int copy = platform.dup(efd);
        for (int fd : new int[] {efd, pipe[0], pipe[1], epfd, mfd, copy}) {
            platform.close(fd);
        }
    }

    @Test
    void pipeReturnsTwoConnectedFds() {
        int[] pipe = platform.pipe(O_CLOEXEC);
        try {
            assertEquals(2, pipe.length);
            assertTrue(OpenFds.target(pipe[0]).startsWith("pipe:"));
            assertEquals(OpenFds.target(pipe[0]), OpenFds.target(pipe[1]));
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 7, (byte) 9);
            platform.write(pipe[1], b, 2);
            MemorySegment r = arena.allocate(2);
            assertEquals(2, platform.read(pipe[0], r, 2));
            assertArrayEquals(new byte[] {7, 9}, r.toArray(ValueLayout.JAVA_BYTE));
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    private static String ascii(MemorySegment segment, int length) {
        return new String(segment.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
    }
}
