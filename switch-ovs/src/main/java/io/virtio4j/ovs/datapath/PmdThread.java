package io.virtio4j.ovs.datapath;

import java.time.Duration;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.port.SwitchPort;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
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
    /** How long close waits, once the agent has stopped, for the thread to end. */
    private static final Duration END_TIMEOUT = Duration.ofSeconds(10);

    private final int index;
    private final PmdStats stats;
    private final AtomicCounter errors;
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
        this.stats = new PmdStats(counters, index);
        this.errors = stats.errors();
        PmdPlan plan;
        try {
            plan = plan(ports, portIndices, executor, stats);
        } catch (RuntimeException e) {
            stats.close();
            throw e;
        }
        plan.sleeper().attach();
        this.agent = new PmdAgent(index, plan, stats, placement);
        IdleStrategy idle = new PmdIdleStrategy(agent::sleeper, spin.toNanos(), (int) Math.min(Integer.MAX_VALUE, maxSleep.toMillis()));
        this.runner = new AgentRunner(new FaultTolerantIdle(idle, agent), this::onError, errors, agent);
        this.thread = new Thread(runner, "virtio4j-pmd-" + index);
        thread.setDaemon(true);
        AgentRunner.startOnThread(runner, r -> thread);
    }

    /**
     * The idle strategy re-arms the ports' kicks before sleeping, which writes guest memory (the
     * used ring's avail_event or flags): a fault there is a port's, like one in a poll, and must not
     * reach AgentRunner as an Error (it would end the PMD thread).
     */
    private record FaultTolerantIdle(IdleStrategy inner, PmdAgent agent) implements IdleStrategy {
        @Override
        public void idle(int workCount) {
            try {
                inner.idle(workCount);
            } catch (InternalError e) {
                throw agent.memoryFault(e, "re-arming kicks before a sleep");
            }
        }

        @Override
        public void idle() {
            inner.idle();
        }

        @Override
        public void reset() {
            inner.reset();
        }

        @Override
        public String alias() {
            return inner.alias();
        }
    }

    /** The plan for polling {@code portIndices} of {@code ports}, with a new epoll set for them. */
    private static PmdPlan plan(SwitchPort[] ports, int[] portIndices, FrameExecutor executor, PmdStats stats) {
        SwitchPort[] mine = new SwitchPort[portIndices.length];
        String[] names = new String[mine.length];
        for (int i = 0; i < mine.length; i++) {
            mine[i] = ports[portIndices[i]];
            names[i] = mine[i].name();
        }
        return new PmdPlan(portIndices, names, mine, executor, new KickSleeper(mine, stats));
    }

    /** The PMD's agent, for a {@link PmdHandoff} (control side). */
    PmdAgent agent() {
        return agent;
    }

    /** A plan for this PMD: polling {@code portIndices} of {@code ports} with a new epoll set, not yet published. */
    PmdPlan newPlan(SwitchPort[] ports, int[] portIndices, FrameExecutor executor) {
        return plan(ports, portIndices, executor, stats);
    }

    /** The thread's state, for an error message. */
    Thread.State state() {
        return thread.getState();
    }

    private void onError(Throwable t) {
        if (errorLog.allow()) {
            LOG.warn("pmd {}: a poll round failed: {} ({} similar suppressed)", index, t.toString(), errorLog.takeSuppressed(), t);
        }
    }

    /** This PMD's number: the {@code <n>} of its {@code pmd:<n>:} counters and thread name. */
    public int index() {
        return index;
    }

    /** The ports this PMD polls (indices in the switch spec). */
    public int[] portIndices() {
        return agent.adopted().ports().clone();
    }

    /** The PMD's thread (for CPU-time and allocation measurements). */
    public Thread thread() {
        return thread;
    }

    /** The thread's kernel id (what /proc/self/task lists), or 0 before it first ran. */
    public int tid() {
        return agent.tid();
    }

    /**
     * The PMD's busy and idle time, frames, polls and sleeps so far (as {@code pmd-stats-show}),
     * read from its counters without stopping it.
     */
    public PmdSnapshot snapshot() {
        return stats.snapshot(index);
    }

    /** Port polls that faulted in guest memory (a front-end shrank it; its session was dropped). */
    public long memoryFaults() {
        return agent.memoryFaults();
    }

    /** Rounds that failed with an exception. */
    public long errors() {
        return errors.get();
    }

    /**
     * Stops the thread (waking it from a sleep), waits until it has ended, and releases the epoll
     * set and counters.
     *
     * @throws IllegalStateException if the thread is still alive 10 seconds after its agent stopped
     *                               (the epoll set and counters are released all the same: the agent
     *                               no longer uses them)
     */
    @Override
    public void close() {
        // A hand-off returns only once its plans are taken up (or given up): this set is the one in use.
        KickSleeper sleeper = agent.adopted().sleeper();
        sleeper.wakeup();
        try {
            runner.close(CLOSE_RETRY_MILLIS, t -> sleeper.wakeup());
            awaitThreadEnd();
        } finally {
            sleeper.close();
            stats.close();
        }
    }

    /**
     * Joins the thread. AgentRunner.close does not: if it wins the race with the thread's first
     * run() it closes the agent itself and returns while the thread is still starting (its run()
     * then returns at once), and otherwise it returns once the agent has closed, before run()
     * returns. Callers count on no PMD thread being left after close, so wait for it, bounded;
     * an interrupt does not cut the wait short but is kept for the caller.
     */
    private void awaitThreadEnd() {
        long deadline = System.nanoTime() + END_TIMEOUT.toNanos();
        boolean interrupted = false;
        try {
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.error("pmd {}: thread {} still alive {} after its agent stopped; leaving it behind",
                            index, thread.getName(), END_TIMEOUT);
                    throw new IllegalStateException("pmd " + index + ": thread " + thread.getName()
                            + " did not end within " + END_TIMEOUT + " of close");
                }
                try {
                    thread.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
