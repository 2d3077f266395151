package io.virtio4j.api.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import io.virtio4j.testing.AllocationCounter;
import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.testing.OpenFds;
import io.virtio4j.testing.Slow;
import io.virtio4j.api.platform.Platform;

/** {@link EventfdNotifier} over real eventfds. */
class EventfdNotifierTest {
    private final Platform platform = Platform.linux();

    @Test
    void signalsCoalesceIntoOneConsume() {
        try (EventfdNotifier n = EventfdNotifier.create()) {
            assertEquals("anon_inode:[eventfd]", OpenFds.target(n.fd()));
            assertEquals(0, n.consume(), "nothing pending on a new notifier");
            n.signal();
            n.signal();
            n.signal();
            assertEquals(3, n.consume());
            assertEquals(0, n.consume(), "consume cleared the counter");
        }
    }

    @Test
    void theFdIsNonBlockingAndCloseOnExec() {
        try (EventfdNotifier n = EventfdNotifier.create()) {
            assertEquals(LinuxConstants.O_NONBLOCK, platform.fcntl(n.fd(), LinuxConstants.F_GETFL, 0) & LinuxConstants.O_NONBLOCK);
            assertEquals(LinuxConstants.FD_CLOEXEC, platform.fcntl(n.fd(), LinuxConstants.F_GETFD, 0));
        }
    }

    @Test
    void aPeerHoldingACopyOfTheFdSeesTheSignal() {
        try (EventfdNotifier n = EventfdNotifier.create(); Arena arena = Arena.ofConfined()) {
            int peer = platform.dup(n.fd());
            try {
                n.signal();
                MemorySegment value = arena.allocate(8);
                assertEquals(8, platform.read(peer, value, 8));
                assertEquals(1, value.get(ValueLayout.JAVA_LONG, 0));
                assertEquals(0, n.consume(), "the peer consumed it");
            } finally {
                platform.close(peer);
            }
        }
    }

    @Test
    void aSaturatedCounterStillCountsAsSignalled() {
        try (EventfdNotifier n = EventfdNotifier.create(); Arena arena = Arena.ofConfined()) {
            MemorySegment max = arena.allocate(8);
            max.set(ValueLayout.JAVA_LONG, 0, 0xfffffffffffffffeL); // the largest value an eventfd holds
            assertEquals(8, platform.write(n.fd(), max, 8));
            n.signal(); // would overflow: the kernel says EAGAIN, which is not an error here
            assertEquals(0xfffffffffffffffeL, n.consume());
        }
    }

    @Test
    void closeIsIdempotentReallyClosesAndLaterUseIsRefused() {
        EventfdNotifier n = EventfdNotifier.create();
        int fd = n.fd();
        n.close();
        assertNull(OpenFds.target(fd), "fd " + fd + " is closed");
        assertTrue(n.isClosed());
        assertEquals(-1, n.fd());
        n.close();
        assertThrows(IllegalStateException.class, n::signal);
        assertThrows(IllegalStateException.class, n::consume);
    }

    @Test
    void manyCreateCloseCyclesLeakNoFds() {
        EventfdNotifier.create().close();
        long before = OpenFds.count();
        for (int i = 0; i < 1000; i++) {
            try (EventfdNotifier n = EventfdNotifier.create()) {
                n.signal();
                n.consume();
            }
        }
        assertEquals(before, OpenFds.count());
    }

    @Test
    void adoptingABlockingEventfdMakesItNonBlocking() {
        int raw = platform.eventfd(0, LinuxConstants.EFD_CLOEXEC); // blocking, as a peer might send it
        try (EventfdNotifier n = EventfdNotifier.adopt(platform, raw)) {
            assertEquals(raw, n.fd());
            assertEquals(0, n.consume(), "returns at once instead of blocking");
            n.signal();
            assertEquals(1, n.consume());
        }
        assertNull(OpenFds.target(raw), "the adopted fd was owned and closed");
    }

    @Test
    void adoptingSomethingThatIsNotAnFdFailsClearly() {
        assertThrows(IllegalArgumentException.class, () -> EventfdNotifier.adopt(platform, -3));
        NativeException e = assertThrows(NativeException.class, () -> EventfdNotifier.adopt(platform, 1_000_000));
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void anAdoptedFdThatIsNotAnEventfdIsDetectedOnConsume() {
        int[] pipe = platform.pipe(LinuxConstants.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined(); EventfdNotifier n = EventfdNotifier.adopt(platform, pipe[0])) {
            assertEquals(0, n.consume(), "an empty pipe reads as nothing pending");
            platform.write(pipe[1], arena.allocate(3), 3);
            IllegalStateException e = assertThrows(IllegalStateException.class, n::consume);
            assertTrue(e.getMessage().contains("not an eventfd"), e.getMessage());
        } finally {
            platform.close(pipe[1]);
        }
    }

    @Slow
    @Test
    void signalAndConsumeDoNotAllocate() {
        AllocationCounter counter = new AllocationCounter();
        try (EventfdNotifier n = EventfdNotifier.create()) {
            long[] total = {cycles(n, 50_000)};
            int[] rounds = {0};
            long allocated = counter.leastAllocated(5, 64 * 1024, () -> {
                total[0] += cycles(n, 200_000);
                rounds[0]++;
            });
            assertEquals((50_000L + 200_000L * rounds[0]) * 2, total[0]);
            assertTrue(allocated < 64 * 1024, allocated + " bytes in the best of " + rounds[0] + " rounds of 200000 signal/signal/consume cycles");
        }
    }

    private static long cycles(EventfdNotifier n, int count) {
        long total = 0;
        for (int i = 0; i < count; i++) {
            n.signal();
            n.signal();
            total += n.consume();
        }
        assertFalse(n.isClosed());
        return total;
    }
}
