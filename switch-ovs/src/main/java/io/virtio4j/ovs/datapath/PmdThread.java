package io.virtio4j.ovs.datapath;

import java.time.Duration;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.port.SwitchPort;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running PMD: its {@link PmdAgent} on its own thread under an Agrona {@link AgentRunner}, with
 * the idle strategy that sleeps on its ports' kick fds. Errors escaping a round (a port failing)
 * are counted ({@code pmd:<n>:errors}) and logged at most once a second; the thread polls on.
 */
public final class PmdThread implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PmdThread.class);
    /** How long close waits for the thread between wake-ups. */
    private static final int CLOSE_RETRY_MILLIS = 100;

    private final int index;
    private final int[] portIndices;
    private final PmdStats stats;
    private final AtomicCounter errors;
    private final KickSleeper sleeper;
    private final PmdAgent agent;
    private final AgentRunner runner;
    private final Thread thread;
    private static final RateLimitedLog errorLog = new RateLimitedLog(LOG, 1_000_000_000L);

    /**
     * Starts PMD {@code index} polling {@code portIndices} of {@code ports}.
     *
     * @param spin     how long to keep busy-polling after the last frame before sleeping
     * @param maxSleep the longest sleep without a signal (a safety net: ports signal when frames
     *                 arrive and when a vhost-user ring starts)
     */
    public PmdThread(int index, SwitchPort[] ports, int[] portIndices, FrameExecutor executor,
                     CountersManager counters, Duration spin, Duration maxSleep) {
        this(index, ports, portIndices, executor, counters, spin, maxSleep, PmdPlacement.none());
    }

    /** As above, the thread pinned to its CPU by {@code placement} as it starts. */
    public PmdThread(int index, SwitchPort[] ports, int[] portIndices, FrameExecutor executor,
                     CountersManager counters, Duration spin, Duration maxSleep, PmdPlacement placement) {
        this.index = index;
        this.portIndices = portIndices.clone();
        this.stats = new PmdStats(counters, index);
        this.errors = stats.errors();
        SwitchPort[] mine = new SwitchPort[portIndices.length];
        for (int i = 0; i < mine.length; i++) {
            mine[i] = ports[portIndices[i]];
        }
        try {
            this.sleeper = new KickSleeper(mine, stats);
        } catch (RuntimeException e) {
            stats.close();
            throw e;
        }
        this.agent = new PmdAgent(index, portIndices, executor, stats, placement);
        this.runner = new AgentRunner(new PmdIdleStrategy(sleeper, spin.toNanos(), (int) Math.min(Integer.MAX_VALUE, maxSleep.toMillis())), this::onError, errors, agent);
        this.thread = new Thread(runner, "virtio4j-pmd-" + index);
        thread.setDaemon(true);
        AgentRunner.startOnThread(runner, r -> thread);
    }

    private void onError(Throwable t) {
        if (errorLog.allow()) {
            LOG.warn("pmd {}: a poll round failed: {} ({} similar suppressed)", index, t.toString(), errorLog.takeSuppressed(), t);
        }
    }

    public int index() {
        return index;
    }

    /** The ports this PMD polls (indices in the switch spec). */
    public int[] portIndices() {
        return portIndices.clone();
    }

    /** The PMD's thread (for CPU-time and allocation measurements). */
    public Thread thread() {
        return thread;
    }

    /** The thread's kernel id (what /proc/self/task lists), or 0 before it first ran. */
    public int tid() {
        return agent.tid();
    }

    public PmdSnapshot snapshot() {
        return stats.snapshot(index);
    }

    /** Rounds that failed with an exception. */
    public long errors() {
        return errors.get();
    }

    /** Stops the thread (waking it from a sleep) and releases the epoll set and counters. */
    @Override
    public void close() {
        sleeper.wakeup();
        runner.close(CLOSE_RETRY_MILLIS, thread -> sleeper.wakeup());
        sleeper.close();
        stats.close();
    }
}
