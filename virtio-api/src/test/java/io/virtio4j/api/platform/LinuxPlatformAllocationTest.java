package io.virtio4j.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import io.virtio4j.api.platform.bindings.EpollEvent;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.testing.AllocationCounter;
import io.virtio4j.testing.Slow;

/**
 * The data-path calls must not allocate per call (the errno capture segment is per thread). The
 * JVM's per-thread allocation counter is read around many calls after a warm-up that lets the JIT
 * compile them; a per-call allocation of even one small object would add megabytes here.
 */
@Slow
class LinuxPlatformAllocationTest {
    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 200_000;
    /** Rounds at most; the best counts (see AllocationCounter#leastAllocated). */
    private static final int ROUNDS = 5;
    /** Far below one 16-byte object per call (3.2 MB), far above incidental JIT/TLAB noise. */
    private static final long BUDGET_BYTES = 64 * 1024;

    private final Platform platform = Platform.linux();

    @Test
    void readWriteReadvWritevAndEpollWaitDoNotAllocatePerCall() {
        AllocationCounter threads = new AllocationCounter();
        int efd = platform.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        int epfd = platform.epollCreate();
        try (Arena arena = Arena.ofConfined()) {
            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_ADD, efd, LinuxConstants.EPOLLIN, 7);
            MemorySegment one = arena.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            MemorySegment counter = arena.allocate(8);
            MemorySegment iov = arena.allocate(IoVec.LAYOUT, 1);
            IoVec.set(iov, 0, counter);
            MemorySegment events = arena.allocate(EpollEvent.LAYOUT, 4);

            long[] sink = {loop(efd, epfd, one, counter, iov, events, WARM_UP)};
            int[] rounds = {0};
            long start = System.nanoTime();
            long allocated = threads.leastAllocated(ROUNDS, BUDGET_BYTES, () -> {
                sink[0] += loop(efd, epfd, one, counter, iov, events, MEASURED);
                rounds[0]++;
            });
            long elapsed = System.nanoTime() - start;
            System.out.printf("LinuxPlatform data path: %d bytes allocated in the best of %d rounds of %d iterations of 5 syscalls, %.0f ns per syscall%n",
                    allocated, rounds[0], MEASURED, (double) elapsed / (5.0 * MEASURED * rounds[0]));

            assertEquals(2L * (WARM_UP + (long) rounds[0] * MEASURED), sink[0], "every iteration saw its two signals");
            assertTrue(allocated < BUDGET_BYTES,
                    allocated + " bytes allocated over " + MEASURED + " iterations (" + (double) allocated / MEASURED + " per iteration)");
        } finally {
            platform.close(epfd);
            platform.close(efd);
        }
    }

    /** Per iteration: write, writev (signal twice), epoll_wait, read (consume), read again (EAGAIN). */
    private long loop(int efd, int epfd, MemorySegment one, MemorySegment counter, MemorySegment iov,
                      MemorySegment events, int iterations) {
        long seen = 0;
        for (int i = 0; i < iterations; i++) {
            platform.write(efd, one, 8);
            counter.set(ValueLayout.JAVA_LONG, 0, 1);
            platform.writev(efd, iov, 1);
            if (platform.epollWait(epfd, events, 4, 0) != 1) {
                throw new AssertionError("eventfd not ready at iteration " + i);
            }
            platform.readv(efd, iov, 1);
            seen += counter.get(ValueLayout.JAVA_LONG, 0);
            if (platform.read(efd, counter, 8) != Platform.WOULD_BLOCK) {
                throw new AssertionError("eventfd not drained at iteration " + i);
            }
        }
        return seen;
    }
}
