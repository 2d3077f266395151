package io.virtio4j.vhostuser;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Test-side native helpers: memfds to play guest RAM, eventfds, and /proc/self accounting. */
final class TestFiles {
    private TestFiles() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MEMFD_CREATE = LINKER.downcallHandle(LINKER.defaultLookup().find("memfd_create").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = LINKER.downcallHandle(LINKER.defaultLookup().find("ftruncate").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle EVENTFD = LINKER.downcallHandle(LINKER.defaultLookup().find("eventfd").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = LINKER.downcallHandle(LINKER.defaultLookup().find("socket").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    /** A memfd of {@code size} bytes (MFD_CLOEXEC). */
    static int memfd(long size) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) MEMFD_CREATE.invokeExact(a.allocateFrom("vhostuser-test"), 1);
            if (fd < 0 || (int) FTRUNCATE.invokeExact(fd, size) < 0) {
                throw new IllegalStateException("memfd_create/ftruncate failed");
            }
            return fd;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** An eventfd (EFD_CLOEXEC). */
    static int eventfd() {
        try {
            int fd = (int) EVENTFD.invokeExact(0, 0x80000);
            if (fd < 0) {
                throw new IllegalStateException("eventfd failed");
            }
            return fd;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static final MethodHandle READ = LINKER.downcallHandle(LINKER.defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCNTL = LINKER.downcallHandle(LINKER.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    /** Reads and resets an eventfd counter without blocking: 0 when it was never signalled. */
    static long drainEventfd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int flags = (int) FCNTL.invokeExact(fd, 3, 0); // F_GETFL
            int ignored = (int) FCNTL.invokeExact(fd, 4, flags | 0x800); // F_SETFL O_NONBLOCK
            MemorySegment value = a.allocate(JAVA_LONG);
            long n = (long) READ.invokeExact(fd, value, 8L);
            return n == 8 ? value.get(JAVA_LONG, 0) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static final MethodHandle WRITE = LINKER.downcallHandle(LINKER.defaultLookup().find("write").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    /** Adds 1 to an eventfd (a kick). */
    static void writeEventfd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            long ignored = (long) WRITE.invokeExact(fd, one, 8L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A socket fd: not a regular file, so not mappable as guest memory. */
    static int socketFd() {
        try {
            return (int) SOCKET.invokeExact(1, 1 | 0x80000, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(int fd) {
        Fds.close(fd);
    }

    /** Number of open fds of this process. */
    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Number of mappings of this process. */
    static long mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }

    /** Mappings backed by a memfd this test created. */
    static long testMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("memfd:vhostuser-test")).count();
    }

    static MemorySegment unused() {
        return MemorySegment.NULL;
    }
}
