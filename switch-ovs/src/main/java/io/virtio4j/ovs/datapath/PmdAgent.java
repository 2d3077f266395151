package io.virtio4j.ovs.datapath;

import org.agrona.concurrent.Agent;

/**
 * One PMD thread's work as an Agrona {@link Agent}: each round polls its ports once (a burst each)
 * through the {@link FrameExecutor} and accounts the round's time as busy (it found frames) or
 * idle (it found none; a sleep that follows counts as idle too).
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
        for (int port : ports) {
            work += executor.poll(port, start);
        }
        frames += work;
        polls++;
        stats.publish(busy, idle, frames, polls);
        lastStart = start;
        lastWork = work;
        return work;
    }

    @Override
    public String roleName() {
        return "pmd-" + index;
    }
}
