package io.virtio4j.ovs.datapath;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request that one PMD stop between two rounds until the control side releases it (a live
 * reconfiguration hands every PMD its new plan while all of them hold, see {@link PmdHandoff}).
 * Either the PMD arrives first ({@link #arrive}: it now holds, and waits for {@link #release})
 * or the control side gives up first ({@link #cancel}: the PMD will never hold for it); one CAS
 * decides, so the control side always knows which, with no window in which the PMD might still
 * act on a request the control side considers withdrawn.
 */
final class PmdHold {
    private static final int WAITING = 0;
    private static final int HELD = 1;
    private static final int CANCELLED = 2;

    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final CountDownLatch released = new CountDownLatch(1);

    /** The PMD's thread, between rounds: true if it now holds (and must {@link #awaitRelease}), false if cancelled. */
    boolean arrive() {
        return state.compareAndSet(WAITING, HELD);
    }

    /** The control side: true if the PMD will never hold for this request, false if it already holds. */
    boolean cancel() {
        return state.compareAndSet(WAITING, CANCELLED);
    }

    /** Whether the PMD holds (the control side waits for this). */
    boolean held() {
        return state.get() == HELD;
    }

    /** Lets the held PMD go on; it takes up whatever plan is published by then. */
    void release() {
        released.countDown();
    }

    /**
     * The PMD's thread: waits for {@link #release}. The control side releases in a finally block,
     * so this ends; an interrupt (the PMD is being closed) ends it too, the flag kept.
     */
    void awaitRelease() {
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
