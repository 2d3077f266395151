package io.virtio4j.ovs.datapath;

import io.virtio4j.api.platform.Platform;

import org.agrona.concurrent.Agent;
import org.slf4j.LoggerFactory;

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
    private final PmdPlacement placement;
    /** The thread's kernel id once it runs (0 before). */
    private volatile int tid;
    private long lastStart;
    private int lastWork;
    private long busy;
    private long idle;
    private long frames;
    private long polls;

    PmdAgent(int index, int[] ports, FrameExecutor executor, PmdStats stats, PmdPlacement placement) {
        this.index = index;
        this.placement = placement;
        this.ports = ports.clone();
        this.executor = executor;
        this.stats = stats;
    }

    /** On the PMD's own thread, before its first round: pins it to its CPU (pmd-cpus). */
    @Override
    public void onStart() {
        tid = Platform.linux().gettid();
        try {
            placement.pinCurrentThread(index);
        } catch (RuntimeException e) {
            // Checked at start (the CPU is the process's): a PMD that could not pin still forwards.
            LoggerFactory.getLogger(PmdAgent.class).error("pmd {}: could not pin to CPU {}: {}", index, placement.cpu(index), e.toString());
        }
    }

    int tid() {
        return tid;
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
