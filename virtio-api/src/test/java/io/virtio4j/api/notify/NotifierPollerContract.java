package io.virtio4j.api.notify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link NotifierPoller} must do, run against each implementation with its own kind of
 * notifier: report signalled tokens level-triggered, time out, wake up on request, keep tokens
 * unique, and stop reporting what was unregistered.
 */
abstract class NotifierPollerContract {
    protected NotifierPoller poller;
    private final EventNotifier[] notifiers = new EventNotifier[4];

    protected abstract NotifierPoller newPoller();

    protected abstract EventNotifier newNotifier();

    @BeforeEach
    void setUp() {
        poller = newPoller();
        for (int i = 0; i < notifiers.length; i++) {
            notifiers[i] = newNotifier();
        }
    }

    @AfterEach
    void tearDown() {
        poller.close();
        for (EventNotifier n : notifiers) {
            n.close();
        }
    }

    @Test
    void nothingSignalledMeansZeroAtOnceWithNoWait() {
        poller.register(notifiers[0], 10);
        long start = System.nanoTime();
        assertEquals(0, poller.poll(new int[4], NotifierPoller.NO_WAIT));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500));
    }

    @Test
    void aTimedPollWaitsForItsTimeout() {
        poller.register(notifiers[0], 10);
        long start = System.nanoTime();
        assertEquals(0, poller.poll(new int[4], 60));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(55), "waited the timeout");
    }

    @Test
    void signalledNotifiersAreReportedByToken() {
        for (int i = 0; i < notifiers.length; i++) {
            poller.register(notifiers[i], 100 + i);
        }
        notifiers[1].signal();
        notifiers[3].signal();
        notifiers[3].signal();
        int[] ready = new int[8];
        int n = poller.poll(ready, 1000);
        int[] tokens = Arrays.copyOf(ready, n);
        Arrays.sort(tokens);
        assertArrayEquals(new int[] {101, 103}, tokens);
    }

    @Test
    void readinessIsLevelTriggeredUntilConsumed() {
        poller.register(notifiers[0], 7);
        notifiers[0].signal();
        int[] ready = new int[4];
        assertEquals(1, poller.poll(ready, 1000));
        assertEquals(1, poller.poll(ready, NotifierPoller.NO_WAIT), "still ready: not consumed yet");
        assertEquals(1, notifiers[0].consume());
        assertEquals(0, poller.poll(ready, NotifierPoller.NO_WAIT), "consumed: no longer ready");
    }

    @Test
    void moreReadyThanRoomLeavesTheRestForTheNextPoll() {
        for (int i = 0; i < notifiers.length; i++) {
            poller.register(notifiers[i], i);
            notifiers[i].signal();
        }
        int[] two = new int[2];
        assertEquals(2, poller.poll(two, 1000));
        notifiers[two[0]].consume();
        notifiers[two[1]].consume();
        assertEquals(2, poller.poll(two, 1000), "the other two are still ready");
        assertFalse(two[0] == two[1]);
    }

    @Test
    void aSignalFromAnotherThreadEndsABlockedPoll() throws Exception {
        poller.register(notifiers[2], 5);
        int[] ready = new int[4];
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> poller.poll(ready, NotifierPoller.WAIT_FOREVER));
        Thread.sleep(50);
        assertFalse(polled.isDone(), "blocked before the signal");
        notifiers[2].signal();
        assertEquals(1, polled.get(5, TimeUnit.SECONDS));
        assertEquals(5, ready[0]);
    }

    @Test
    void wakeupEndsABlockedPollWithNoTokens() throws Exception {
        poller.register(notifiers[0], 1);
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> poller.poll(new int[4], NotifierPoller.WAIT_FOREVER));
        Thread.sleep(50);
        assertFalse(polled.isDone(), "blocked before the wakeup");
        poller.wakeup();
        assertEquals(0, polled.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aWakeupBeforeThePollEndsTheNextPollOnly() {
        poller.wakeup();
        long start = System.nanoTime();
        assertEquals(0, poller.poll(new int[4], 10_000));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the pending wakeup ended the poll");
        long again = System.nanoTime();
        assertEquals(0, poller.poll(new int[4], 50));
        assertTrue(System.nanoTime() - again >= TimeUnit.MILLISECONDS.toNanos(45), "the wakeup was used up");
    }

    @Test
    void unregisteredTokensAreNoLongerReported() {
        poller.register(notifiers[0], 1);
        notifiers[0].signal();
        assertTrue(poller.unregister(1));
        assertFalse(poller.unregister(1), "already gone");
        assertEquals(0, poller.poll(new int[4], 50));
    }

    @Test
    void tokensMustBeUniqueAndNonNegative() {
        poller.register(notifiers[0], 3);
        assertThrows(IllegalArgumentException.class, () -> poller.register(notifiers[1], 3));
        assertThrows(IllegalArgumentException.class, () -> poller.register(notifiers[1], -1));
        assertThrows(IllegalArgumentException.class, () -> poller.poll(new int[0], 0));
    }

    @Test
    void closeIsIdempotentAndLeavesNotifiersOpen() {
        poller.register(notifiers[0], 1);
        poller.close();
        poller.close();
        notifiers[0].signal();
        assertEquals(1, notifiers[0].consume(), "the notifier still works");
        assertThrows(IllegalStateException.class, () -> poller.poll(new int[1], 0));
    }
}
