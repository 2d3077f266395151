package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.CallSignaller;

import io.virtio4j.api.platform.Platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The signaller thread in isolation: signals reach the attached fd, none is lost across an fd swap. */
class CallSignallerTest {
    @Test
    void aSignalTakenWhileTheRingHadNoFdGoesToTheNextOne() throws Exception {
        int first = TestFiles.eventfd();
        int second = TestFiles.eventfd();
        long fdsBefore = TestFiles.openFds();
        CallSignaller s = new CallSignaller(Platform.linux(), "test", () -> { });
        try {
            s.attach(3, first);
            s.signal(3);
            assertEquals(1, TestFiles.awaitSignals(() -> TestFiles.drainEventfd(first), 1));
            // As a SET_VRING_CALL on a running ring does: the fd goes, the signal is taken, a new fd comes.
            s.detach(3);
            s.signal(3);
            Thread.sleep(20);
            s.attach(3, second);
            assertEquals(1, TestFiles.awaitSignals(() -> TestFiles.drainEventfd(second), 1), "the signal reached the new fd");
            assertEquals(0, TestFiles.drainEventfd(first));
        } finally {
            s.close();
        }
        TestFiles.waitFor(() -> TestFiles.openFds() <= fdsBefore, "the signaller's duplicates closed");
        TestFiles.close(first);
        TestFiles.close(second);
    }
}
