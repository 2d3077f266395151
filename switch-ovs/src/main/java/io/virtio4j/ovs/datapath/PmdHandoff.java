package io.virtio4j.ovs.datapath;

import java.time.Duration;
import java.util.List;

import io.virtio4j.ovs.port.SwitchPort;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every PMD thread its new plan at once, all or nothing (live reconfiguration). First the
 * new plans are built ({@link #plan}: their epoll sets made; nothing published). Then every PMD
 * is asked to hold between two rounds ({@link #hold}); only once all of them hold is anything
 * changed, and if one does not within the timeout (its thread stopped, or stuck in a port) the
 * others are let go on their old plans and nothing has changed. While all hold, no PMD touches a
 * port, so the caller swaps what the control side reads, and {@link #release} publishes the
 * plans and lets the PMDs go: each takes its plan up before it touches a port again. A port that
 * moves to another PMD is never polled by two; frames that come meanwhile wait in their rings.
 *
 * <p>The hold lasts from the first PMD's arrival to the release: the rest of the slowest PMD's
 * round (or its wake-up from a sleep) plus a few stores. Nothing on the frame path changes: a
 * PMD reads one volatile per round, as before. Control side only, one hand-off at a time.
 */
public final class PmdHandoff {
    private static final Logger LOG = LoggerFactory.getLogger(PmdHandoff.class);

    private final List<PmdThread> pmds;
    private final Duration timeout;
    private final PmdPlan[] plans;
    private final PmdPlan[] before;
    private final PmdHold[] holds;

    /** A hand-off to {@code pmds}, each step waiting at most {@code timeout} for them. */
    public PmdHandoff(List<PmdThread> pmds, Duration timeout) {
        this.pmds = List.copyOf(pmds);
        this.timeout = timeout;
        this.plans = new PmdPlan[pmds.size()];
        this.before = new PmdPlan[pmds.size()];
        this.holds = new PmdHold[pmds.size()];
    }

    /**
     * Builds PMD {@code pmd}'s next plan: polling {@code portIndices} of {@code ports} through
     * {@code executor}. Nothing is published; a failure (no epoll set) changes nothing, and
     * {@link #abandon} releases the plans built so far.
     */
    public void plan(int pmd, SwitchPort[] ports, int[] portIndices, FrameExecutor executor) {
        plans[pmd] = pmds.get(pmd).newPlan(ports, portIndices, executor);
    }

    /**
     * Holds every PMD between two rounds and returns once all hold; every PMD must have a plan.
     *
     * @throws PmdHandoffException if a PMD did not hold within the timeout: the ones holding were
     *                             let go on their old plans and the new plans released, so
     *                             nothing changed
     */
    public void hold() {
        for (int p = 0; p < plans.length; p++) {
            if (plans[p] == null) {
                throw new IllegalStateException("pmd " + p + " has no plan");
            }
        }
        for (int p = 0; p < holds.length; p++) {
            PmdAgent agent = pmds.get(p).agent();
            before[p] = agent.adopted();
            holds[p] = new PmdHold();
            agent.publish(PmdPlan.holding(holds[p]));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int p = 0; p < holds.length; p++) {
            while (!holds[p].held()) {
                if (System.nanoTime() - deadline > 0) {
                    String late = late();
                    giveUp();
                    throw new PmdHandoffException(late + " did not stop between two rounds within " + timeout
                            + ", so the change was not made; the PMDs go on as before");
                }
                // Wakes a PMD asleep on its set: it holds at the start of the round that follows.
                KickSleeper sleeper = before[p].sleeper();
                if (sleeper != null) {
                    sleeper.wakeup();
                }
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }

    /** The PMDs not holding yet, with their threads' states: "pmd 1 (thread RUNNABLE)", "pmds 0 (...), 1 (...)". */
    private String late() {
        List<String> late = new java.util.ArrayList<>();
        for (int p = 0; p < holds.length; p++) {
            if (!holds[p].held()) {
                late.add(p + " (thread " + pmds.get(p).state() + ")");
            }
        }
        return (late.size() == 1 ? "pmd " : "pmds ") + String.join(", ", late);
    }

    /**
     * Cancels every hold not yet reached and lets the held PMDs go, each on the plan it had; one
     * CAS per PMD decides whether it holds, so none can act on a hold after this.
     */
    private void giveUp() {
        for (int p = 0; p < holds.length; p++) {
            PmdAgent agent = pmds.get(p).agent();
            boolean cancelled = holds[p].cancel();
            agent.publish(before[p]);
            if (!cancelled) {
                holds[p].release();
            }
        }
        abandon();
    }

    /**
     * With every PMD holding: publishes each one's new plan and lets it go. Returns true once every
     * PMD has taken its plan up (then the old epoll sets are closed, and no PMD polls or sends to
     * a port outside the new plans); false if one has not within the timeout, which a PMD that
     * held cannot do short of its thread dying: the caller then keeps what the old plans use open.
     */
    public boolean release() {
        for (int p = 0; p < plans.length; p++) {
            pmds.get(p).agent().publish(plans[p]);
            holds[p].release();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        for (int p = 0; p < plans.length; p++) {
            PmdAgent agent = pmds.get(p).agent();
            while (agent.adopted() != plans[p] && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
                Thread.yield();
            }
            if (agent.adopted() == plans[p]) {
                closeSleeper(before[p]);
            } else {
                all = false;
                LOG.error("pmd {} was let go with its new plan but has not taken it up within {} (thread {})", p, timeout,
                        pmds.get(p).state());
            }
        }
        return all;
    }

    /** Releases the plans built (their epoll sets); none was published. */
    public void abandon() {
        for (int p = 0; p < plans.length; p++) {
            if (plans[p] != null) {
                closeSleeper(plans[p]);
                plans[p] = null;
            }
        }
    }

    private static void closeSleeper(PmdPlan plan) {
        if (plan.sleeper() != null) {
            plan.sleeper().close();
        }
    }
}
