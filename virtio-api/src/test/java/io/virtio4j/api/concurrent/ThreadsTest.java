package io.virtio4j.api.concurrent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class ThreadsTest {
    @Test
    void anInterruptedCallerStillWaitsForTheThreadAndKeepsItsInterruptStatus() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread worker = Thread.ofPlatform().start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread second = Thread.ofPlatform().start(() -> { });
        Thread.currentThread().interrupt();
        Thread releaser = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        Threads.joinUninterruptibly(worker);
        assertFalse(worker.isAlive(), "returned only once the thread had ended");
        Threads.joinUninterruptibly(second);
        assertTrue(Thread.interrupted(), "the caller's interrupt is restored (and cleared here)");
        releaser.join();
    }
}
