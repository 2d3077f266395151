package io.virtio4j.ovs.datapath;

import org.agrona.concurrent.IdleStrategy;

/**
 * Busy-polls while there is work and for a short spin after the last frame (a burst's gaps are
 * shorter than a wake-up), then sleeps on the ports' kick fds ({@link KickSleeper}), so an idle
 * switch uses almost no CPU and a loaded one makes no syscalls to wait.
 */
final class PmdIdleStrategy implements IdleStrategy {
    /** The PMD's current epoll set: it changes with the PMD's plan (live reconfiguration). */
    private final java.util.function.Supplier<KickSleeper> sleeper;
    private final long spinNanos;
    private final int sleepMillis;
    /** When the current idle stretch began, or 0 while working. */
    private long idleSince;

    PmdIdleStrategy(java.util.function.Supplier<KickSleeper> sleeper, long spinNanos, int sleepMillis) {
        this.sleeper = sleeper;
        this.spinNanos = spinNanos;
        this.sleepMillis = sleepMillis;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            idleSince = 0;
            return;
        }
        long now = System.nanoTime();
        if (idleSince == 0) {
            idleSince = now;
        }
        if (now - idleSince < spinNanos) {
            Thread.onSpinWait();
            return;
        }
        // Still idle after the spin: sleep; stay in "sleep next time" until a round finds work.
        sleeper.get().sleep(sleepMillis);
    }

    @Override
    public void idle() {
        Thread.onSpinWait();
    }

    @Override
    public void reset() {
        idleSince = 0;
    }

    @Override
    public String alias() {
        return "pmd-kick-wait";
    }
}
