package io.virtio4j.ovs.datapath;

import org.agrona.concurrent.Agent;

/**
 * One PMD thread's work as an Agrona {@link Agent}: each round polls its ports once (a burst each)
 * through the {@link FrameExecutor} and accounts the round's time as busy (it found frames) or
 * idle (it found none; a sleep that follows counts as idle too). A port whose burst fails does not
 * stop the round: the others are polled, and the first failure is thrown once the round is accounted.
 */
final class PmdAgent implements Agent {
    private final int index;
    private final int[] ports;
    private final FrameExecutor executor;
    private final PmdStats stats;
    private long lastStart;
    private int lastWork;
    private long busy;
    private long idle;
    private long frames;
    private long polls;

    PmdAgent(int index, int[] ports, FrameExecutor executor, PmdStats stats) {
        this.index = index;
        this.ports = ports.clone();
        this.executor = executor;
        this.stats = stats;
    }

    @Override
    public int doWork() {
        long start = System.nanoTime();
        if (lastStart != 0) {
            if (lastWork > 0) {
                busy += start - lastStart;
            } else {
                idle += start - lastStart;
            }
        }
        int work = 0;
        RuntimeException failure = null;
        for (int port : ports) {
            try {
                work += executor.poll(port, start);
            } catch (RuntimeException e) {
                // One failing port must not starve the others of this round: poll on, fail the round after.
                failure = failure == null ? e : failure;
            }
        }
        frames += work;
        polls++;
        stats.publish(busy, idle, frames, polls);
        lastStart = start;
        lastWork = work;
        if (failure != null) {
            throw failure;
        }
        return work;
    }

    @Override
    public String roleName() {
        return "pmd-" + index;
    }
}
