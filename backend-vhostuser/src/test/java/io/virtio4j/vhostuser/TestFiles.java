package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.transport.Fds;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Test-side native helpers: memfds to play guest RAM, eventfds, /proc/self accounting, and waiting for
 * another thread's effect. The
 * syscalls go through the same {@link Platform} the module uses, not bindings of their own.
 */
final class TestFiles {
    private static final Platform LINUX = Platform.linux();

    private TestFiles() {
    }

    /** A memfd of {@code size} bytes (MFD_CLOEXEC). */
    static int memfd(long size) {
        int fd = LINUX.memfdCreate("vhostuser-test", LinuxConstants.MFD_CLOEXEC);
        try {
            LINUX.ftruncate(fd, size);
        } catch (RuntimeException e) {
            LINUX.close(fd);
            throw e;
        }
        return fd;
    }

    /** An eventfd (EFD_CLOEXEC). */
    static int eventfd() {
        return LINUX.eventfd(0, LinuxConstants.EFD_CLOEXEC);
    }

    /** Reads and clears an eventfd's counter (switching it to non-blocking); 0 when nothing is pending. */
    static long drainEventfd(int fd) {
        int flags = LINUX.fcntl(fd, LinuxConstants.F_GETFL, 0);
        LINUX.fcntl(fd, LinuxConstants.F_SETFL, flags | LinuxConstants.O_NONBLOCK);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_LONG);
            long n = LINUX.read(fd, value, 8);
            return n == 8 ? value.get(JAVA_LONG, 0) : 0;
        }
    }

    /**
     * Sums what {@code take} returns (what draining a call eventfd found) until it reaches
     * {@code expected} or 5 s pass, then once more after 20 ms, and returns the sum: the session's
     * signaller thread writes call fds shortly after the burst that asked, not during it.
     */
    static long awaitSignals(java.util.function.LongSupplier take, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long total = take.getAsLong();
        while (total < expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
            total += take.getAsLong();
        }
        Thread.sleep(20);
        return total + take.getAsLong();
    }

    /** Adds 1 to an eventfd (a kick). */
    static void writeEventfd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            LINUX.write(fd, one, 8);
        }
    }

    /** A socket fd: not a regular file, so not mappable as guest memory. */
    static int socketFd() {
        return UnixSocket.streamSocket(LINUX);
    }

    static void close(int fd) {
        Fds.close(LINUX, fd);
    }

    /** Number of open fds of this process. */
    static long openFds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} every 5 ms; fails naming {@code what} if it does not hold within 5 s. */
    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 5 s");
            }
            Thread.sleep(5);
        }
    }

    /**
     * Mappings of this process that a vhost-user session can have made: a session maps only files a
     * peer sent (memfds, hugetlbfs files, DPDK's rtemap files), never anonymous memory. Counting
     * these instead of every line of /proc/self/maps keeps the JVM's own growth (thread stacks,
     * malloc arenas, code cache) out of leak checks, which can then demand exact equality.
     */
    static long sharedFileMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("/memfd:") || l.contains("hugepages") || l.contains("rtemap")).count();
    }

    /** Mappings backed by a memfd this test created. */
    static long testMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("memfd:vhostuser-test")).count();
    }

    static MemorySegment unused() {
        return MemorySegment.NULL;
    }
}
