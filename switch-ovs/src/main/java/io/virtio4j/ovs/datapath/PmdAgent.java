package io.virtio4j.ovs.datapath;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.vhostuser.memory.GuestMemoryFaults;

import org.agrona.concurrent.Agent;
import org.slf4j.LoggerFactory;

/**
 * One PMD thread's work as an Agrona {@link Agent}: each round polls its ports once (a burst each)
 * through the {@link FrameExecutor} and accounts the round's time as busy (it found frames) or
 * idle (it found none; a sleep that follows counts as idle too). A port whose burst fails does not
 * stop the round: the others are polled, and the first failure is thrown once the round is accounted.
 *
 * <p>A fault in guest memory (a front-end shrank the file under its mapping: the JVM raises an
 * {@link InternalError}, not a RuntimeException) is one port's failure too, never the PMD's: the
 * vhost-user sessions whose memory shrank are found and dropped ({@link GuestMemoryFaults#sweep}),
 * the fault is counted ({@link #memoryFaults}) and logged, and the round goes on.
 */
final class PmdAgent implements Agent {
    private static final RateLimitedLog FAULTS = new RateLimitedLog(LoggerFactory.getLogger(PmdAgent.class), 1_000_000_000L);
    private final int index;
    private final PmdStats stats;
    /** What this PMD polls now and with what; only its own thread reads or replaces it. */
    private PmdPlan plan;
    /**
     * The plan the control side wants next ({@link #publish}); the PMD swaps it in between rounds,
     * so a burst never sees two plans and no lock is taken on the frame path: one volatile read a round.
     */
    private volatile PmdPlan next;
    /** The plan the PMD polls with since its last round began, for the control side to wait on. */
    private volatile PmdPlan adopted;
    private final PmdPlacement placement;
    /** The thread's kernel id once it runs (0 before). */
    private volatile int tid;
    private long lastStart;
    private int lastWork;
    private long busy;
    private long idle;
    private long frames;
    private long polls;
    private volatile long memoryFaults;

    PmdAgent(int index, int[] ports, FrameExecutor executor, PmdStats stats, PmdPlacement placement) {
        this(index, ports, java.util.Arrays.stream(ports).mapToObj(String::valueOf).toArray(String[]::new), executor, stats, placement);
    }

    /** As above, with the ports' names (same order as {@code ports}) for the log. */
    PmdAgent(int index, int[] ports, String[] names, FrameExecutor executor, PmdStats stats, PmdPlacement placement) {
        this(index, new PmdPlan(ports, names, executor, null), stats, placement);
    }

    /** As above, starting with {@code plan} (its sleeper is what the PMD sleeps on). */
    PmdAgent(int index, PmdPlan plan, PmdStats stats, PmdPlacement placement) {
        this.index = index;
        this.placement = placement;
        this.stats = stats;
        this.plan = plan;
        this.next = plan;
        this.adopted = plan;
    }

    /**
     * Hands the PMD a new plan, or a request to hold (control side): it is taken up at the start of
     * the PMD's next round, after the current burst is wholly sent and released. See
     * {@link #adopted()} to wait for it.
     */
    void publish(PmdPlan plan) {
        next = plan;
    }

    /** The plan of the PMD's current round (any thread). */
    PmdPlan adopted() {
        return adopted;
    }


    /** The epoll set the PMD sleeps on now (its own thread: the idle strategy). */
    KickSleeper sleeper() {
        return plan.sleeper();
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

    /** Rounds in which a port's poll faulted in guest memory (each dropped the shrunk sessions). */
    long memoryFaults() {
        return memoryFaults;
    }

    /**
     * Handles a fault in guest memory caught on this PMD's thread ({@code where}: what it was doing)
     * and returns it as the round's failure. The JVM raises the InternalError asynchronously after
     * the faulting access, so it may surface in another port's code than the one whose memory
     * shrank: the shrunk sessions are found by their files ({@link GuestMemoryFaults#sweep}),
     * dropped, and give up whatever of their rings this thread still holds.
     */
    RuntimeException memoryFault(InternalError e, String where) {
        int dropped = GuestMemoryFaults.sweep();
        memoryFaults++;
        if (FAULTS.allow()) {
            LoggerFactory.getLogger(PmdAgent.class).warn("pmd {}: a fault in guest memory while {} ({});"
                    + " dropped {} vhost-user session(s) whose memory shrank ({} similar suppressed)",
                    index, where, e.getMessage(), dropped, FAULTS.takeSuppressed());
        }
        return new IllegalStateException("pmd " + index + ": fault in guest memory while " + where, e);
    }

    @Override
    public int doWork() {
        try {
            return round();
        } catch (InternalError e) {
            // Surfaced outside any port's poll (the error is asynchronous): still one port's fault.
            throw memoryFault(e, "accounting a round");
        }
    }

    private int round() {
        PmdPlan wanted = next;
        if (wanted != plan) {
            take(wanted);
        }
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
        int[] ports = plan.ports();
        FrameExecutor executor = plan.executor();
        for (int p = 0; p < ports.length; p++) {
            int port = ports[p];
            try {
                work += executor.poll(port, start);
            } catch (RuntimeException e) {
                // One failing port must not starve the others of this round: poll on, fail the round after.
                failure = failure == null ? e : failure;
            } catch (InternalError e) {
                RuntimeException fault = memoryFault(e, "polling port " + plan.names()[p]);
                failure = failure == null ? fault : failure;
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

    /**
     * Between rounds, on the PMD's own thread: a plan to poll by is taken up at once; a request to
     * hold ({@link PmdHold}) is answered by holding here, having finished every burst, until the
     * control side releases it, and then the plan published by then is taken up (the new one, or
     * this one again if the reconfiguration was given up). A hold cancelled before the PMD came
     * here is ignored: the control side puts the current plan back.
     */
    private void take(PmdPlan wanted) {
        PmdHold hold = wanted.hold();
        if (hold == null) {
            adopt(wanted);
            return;
        }
        if (!hold.arrive()) {
            return;
        }
        hold.awaitRelease();
        PmdPlan after = next;
        if (after != plan && after.hold() == null) {
            adopt(after);
        }
    }

    /**
     * Takes up {@code wanted}: the ports it now polls register their wake-up fds afresh in the
     * plan's epoll set, and signal that set when their fds change (the old set is closed by the
     * control side once this PMD has moved on).
     */
    private void adopt(PmdPlan wanted) {
        plan = wanted;
        if (wanted.sleeper() != null) {
            wanted.sleeper().attach();
        }
        for (var port : wanted.polled()) {
            port.resetWakeups();
        }
        adopted = wanted;
    }

    @Override
    public String roleName() {
        return "pmd-" + index;
    }
}
