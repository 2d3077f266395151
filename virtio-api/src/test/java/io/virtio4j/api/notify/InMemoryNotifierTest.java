package io.virtio4j.api.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@link InMemoryNotifier}: eventfd semantics without an fd, and waking a waiter. */
class InMemoryNotifierTest {

    @Test
    void signalsCoalesceIntoOneConsume() {
        InMemoryNotifier n = new InMemoryNotifier();
        assertEquals(-1, n.fd());
        n.signal();
        n.signal();
        assertEquals(2, n.pending());
        assertEquals(2, n.consume());
        assertEquals(0, n.consume());
    }

    @Test
    void aSignalFromAnotherThreadWakesAWaiter() throws Exception {
        InMemoryNotifier n = new InMemoryNotifier();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return n.awaitSignal(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(waiter.isDone(), "still waiting before the signal");
        long start = System.nanoTime();
        n.signal();
        assertTrue(waiter.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        assertEquals(1, n.pending(), "waiting does not consume");
    }

    @Test
    void awaitTimesOutWithoutASignal() throws InterruptedException {
        InMemoryNotifier n = new InMemoryNotifier();
        long start = System.nanoTime();
        assertFalse(n.awaitSignal(50, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(45));
    }

    @Test
    void closeIsIdempotentAndRefusesLaterUse() {
        InMemoryNotifier n = new InMemoryNotifier();
        n.close();
        n.close();
        assertTrue(n.isClosed());
        assertThrows(IllegalStateException.class, n::signal);
        assertThrows(IllegalStateException.class, n::consume);
    }
}
