package io.virtio4j.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.virtio4j.testing.OpenFds;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@link OwnedFd}: close once, never after hand-over, and leaks reported. */
class OwnedFdTest {
    private final Platform platform = Platform.linux();

    @Test
    void closeClosesTheFdOnceAndLaterCallsDoNothing() {
        Platform mocked = mock(Platform.class);
        OwnedFd fd = OwnedFd.adopt(mocked, 7);
        assertTrue(fd.isOpen());
        assertEquals(7, fd.get());
        fd.close();
        fd.close();
        verify(mocked, times(1)).close(7);
        assertFalse(fd.isOpen());
        assertEquals(-1, fd.raw());
        assertThrows(IllegalStateException.class, fd::get);
    }

    @Test
    void aRealFdIsClosedInTheKernel() {
        OwnedFd fd = OwnedFd.adopt(platform, platform.eventfd(0, LinuxConstants.EFD_CLOEXEC));
        int number = fd.get();
        assertEquals("anon_inode:[eventfd]", OpenFds.target(number));
        fd.close();
        assertNull(OpenFds.target(number), "the fd is closed");
    }

    @Test
    void aReleasedFdIsNeverClosedHere() {
        Platform mocked = mock(Platform.class);
        OwnedFd fd = OwnedFd.adopt(mocked, 9);
        assertEquals(9, fd.release());
        fd.close();
        verify(mocked, never()).close(9);
        assertThrows(IllegalStateException.class, fd::get);
        assertThrows(IllegalStateException.class, fd::release, "only one new owner");
    }

    @Test
    void aClosedFdCannotBeHandedOver() {
        OwnedFd fd = OwnedFd.adopt(mock(Platform.class), 3);
        fd.close();
        assertThrows(IllegalStateException.class, fd::release);
    }

    @Test
    void negativeFdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OwnedFd.adopt(platform, -1));
    }

    @Test
    void racingClosersCloseOnce() throws InterruptedException {
        Platform mocked = mock(Platform.class);
        for (int round = 0; round < 200; round++) {
            OwnedFd fd = OwnedFd.adopt(mocked, 1000 + round);
            CountDownLatch start = new CountDownLatch(1);
            Thread[] closers = new Thread[4];
            for (int t = 0; t < closers.length; t++) {
                closers[t] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    fd.close();
                });
                closers[t].start();
            }
            start.countDown();
            for (Thread t : closers) {
                t.join();
            }
            verify(mocked, times(1)).close(1000 + round);
        }
    }

    @Test
    void aFailedCloseOnAFailurePathIsSuppressedIntoTheCause() {
        Platform mocked = mock(Platform.class);
        NativeException closeFailure = new NativeException("close", "fd 5", Errno.EBADF);
        doThrow(closeFailure).when(mocked).close(5);
        OwnedFd fd = OwnedFd.adopt(mocked, 5);
        IllegalStateException cause = new IllegalStateException("setup failed");
        fd.closeAfter(cause);
        assertSame(closeFailure, cause.getSuppressed()[0]);
        assertFalse(fd.isOpen(), "not closed twice even though close failed");
    }

    @Test
    void anOwnerDroppedWhileOpenIsReportedAsALeak() throws InterruptedException {
        BlockingQueue<Integer> reported = new ArrayBlockingQueue<>(64);
        OwnedFd.leakObserver = reported::add;
        int number = platform.eventfd(0, LinuxConstants.EFD_CLOEXEC);
        long before = OwnedFd.leaked();
        try {
            OwnedFd.adopt(platform, number);
            Integer leak = null;
            for (int i = 0; i < 100 && leak == null; i++) {
                System.gc();
                Integer next = reported.poll(50, TimeUnit.MILLISECONDS);
                if (next != null && next == number) {
                    leak = next;
                }
            }
            assertNotNull(leak, "the dropped owner of fd " + number + " was reported");
            assertTrue(OwnedFd.leaked() > before);
            assertEquals("anon_inode:[eventfd]", OpenFds.target(number), "a leaked fd is reported, not closed behind a raw user");
        } finally {
            OwnedFd.leakObserver = null;
            platform.close(number);
        }
    }

    @Test
    void closedAndReleasedOwnersAreNotLeaks() throws InterruptedException {
        BlockingQueue<Integer> reported = new ArrayBlockingQueue<>(64);
        OwnedFd.leakObserver = reported::add;
        int released = platform.eventfd(0, LinuxConstants.EFD_CLOEXEC);
        int closed = platform.eventfd(0, LinuxConstants.EFD_CLOEXEC);
        try {
            OwnedFd.adopt(platform, released).release();
            OwnedFd.adopt(platform, closed).close();
            for (int i = 0; i < 5; i++) {
                System.gc();
                Integer next = reported.poll(50, TimeUnit.MILLISECONDS);
                assertTrue(next == null || (next != released && next != closed), "fd " + next + " reported as leaked");
            }
        } finally {
            OwnedFd.leakObserver = null;
            platform.close(released);
        }
    }
}
