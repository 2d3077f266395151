package io.virtio4j.api.notify;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The {@link NotifierPoller} contract on {@link InMemoryPoller}, plus what it refuses. */
class InMemoryPollerTest extends NotifierPollerContract {

    @Override
    protected NotifierPoller newPoller() {
        return new InMemoryPoller();
    }

    @Override
    protected EventNotifier newNotifier() {
        return new InMemoryNotifier();
    }

    @Test
    void rawFdsAreRefusedClearly() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> poller.registerFd(0, 1));
        assertTrue(e.getMessage().contains("EpollPoller"), e.getMessage());
    }

    @Test
    void fdBackedNotifiersAreRefusedClearly() {
        try (EventfdNotifier eventfd = EventfdNotifier.create()) {
            assertThrows(IllegalArgumentException.class, () -> poller.register(eventfd, 1));
        }
    }
}
