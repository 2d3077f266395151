package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.CallRelay;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.spi.net.DataQueue;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The relay of interrupts for queues whose call notifier has no fd. */
class CallRelayTest {

    /** An in-process (fd-less) call notifier that counts its signals, or fails every one. */
    private static final class InProcessCall implements EventNotifier {
        final AtomicInteger signals = new AtomicInteger();
        private final boolean fails;

        InProcessCall(boolean fails) {
            this.fails = fails;
        }

        @Override
        public void signal() {
            if (fails) {
                throw new IllegalStateException("the in-process interrupt failed");
            }
            signals.incrementAndGet();
        }

        @Override
        public long consume() {
            return 0;
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aCallThatThrowsDoesNotEndTheRelayForTheOtherQueues() throws Exception {
        InProcessCall broken = new InProcessCall(true);
        InProcessCall working = new InProcessCall(false);
        List<DataQueue> queues = List.of(new DataQueue(0, null, null, broken, 0, 0), new DataQueue(1, null, null, working, 0, 0));
        FrontendCounters counters = new FrontendCounters();
        try (CallRelay relay = CallRelay.start(queues, "call-relay-test", counters.counter(FrontendCounter.RELAYED_INTERRUPTS))) {
            TestFiles.writeEventfd(relay.callFd(0, queues.get(0)));
            TestFiles.writeEventfd(relay.callFd(1, queues.get(1)));
            TestFiles.waitFor(() -> working.signals.get() == 1, "queue 1's call relayed although queue 0's failed");
            TestFiles.writeEventfd(relay.callFd(0, queues.get(0)));
            TestFiles.writeEventfd(relay.callFd(1, queues.get(1)));
            TestFiles.waitFor(() -> working.signals.get() == 2, "the relay still runs");
            assertEquals(2, counters.relayedInterrupts(), "only forwarded signals count");
        }
    }
}
