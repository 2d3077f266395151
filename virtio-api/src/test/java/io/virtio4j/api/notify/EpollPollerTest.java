package io.virtio4j.api.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.testing.OpenFds;
import io.virtio4j.api.platform.Platform;

/** The {@link NotifierPoller} contract on a real epoll, plus raw fds and fd hygiene. */
class EpollPollerTest extends NotifierPollerContract {
    private final Platform platform = Platform.linux();

    @Override
    protected NotifierPoller newPoller() {
        return EpollPoller.create();
    }

    @Override
    protected EventNotifier newNotifier() {
        return EventfdNotifier.create();
    }

    @Test
    void aRawPipeFdIsReportedWhenReadable() {
        int[] pipe = platform.pipe(LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            poller.registerFd(pipe[0], 77);
            int[] ready = new int[2];
            assertEquals(0, poller.poll(ready, NotifierPoller.NO_WAIT));
            platform.write(pipe[1], arena.allocate(1), 1);
            assertEquals(1, poller.poll(ready, 1000));
            assertEquals(77, ready[0]);
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    @Test
    void writabilityCanBeWatched() {
        int[] pipe = platform.pipe(LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC);
        try {
            ((EpollPoller) poller).registerFd(pipe[1], 8, LinuxConstants.EPOLLOUT);
            int[] ready = new int[2];
            assertEquals(1, poller.poll(ready, 1000), "an empty pipe is writable");
            assertEquals(8, ready[0]);
        } finally {
            platform.close(pipe[0]);
            platform.close(pipe[1]);
        }
    }

    @Test
    void inMemoryNotifiersAreRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> poller.register(new InMemoryNotifier(), 1));
        assertTrue(e.getMessage().contains("no fd"), e.getMessage());
    }

    @Test
    void theSameFdUnderTwoTokensIsAnEpollError() {
        try (EventfdNotifier n = EventfdNotifier.create()) {
            poller.register(n, 1);
            NativeException e = assertThrows(NativeException.class, () -> poller.register(n, 2));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(1, ((EpollPoller) poller).size(), "the failed registration left nothing behind");
        }
    }

    @Test
    void unregisteringANotifierThatWasAlreadyClosedIsNotAnError() {
        EventfdNotifier n = EventfdNotifier.create();
        poller.register(n, 4);
        n.close();
        assertTrue(poller.unregister(4));
    }

    @Test
    void closeReleasesTheEpollAndWakeupFds() {
        EpollPoller p = EpollPoller.create();
        int epfd = p.fd();
        assertEquals("anon_inode:[eventpoll]", OpenFds.target(epfd));
        p.close();
        assertNull(OpenFds.target(epfd));
    }

    @Test
    void manyCreateCloseCyclesLeakNoFds() {
        EpollPoller.create().close();
        long before = OpenFds.count();
        for (int i = 0; i < 300; i++) {
            try (EpollPoller p = EpollPoller.create(); EventfdNotifier n = EventfdNotifier.create()) {
                p.register(n, 0);
                n.signal();
                p.wakeup();
                p.poll(new int[4], NotifierPoller.NO_WAIT);
                p.unregister(0);
            }
        }
        assertEquals(before, OpenFds.count());
    }
}
