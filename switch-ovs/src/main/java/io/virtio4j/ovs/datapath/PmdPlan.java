package io.virtio4j.ovs.datapath;

import io.virtio4j.ovs.port.SwitchPort;

/**
 * What one PMD thread polls and with what, as one immutable piece the control side can hand over
 * while the PMD runs ({@link PmdAgent#publish}): the indices of the ports it polls (positions in the
 * switch's port list of this plan), their names for the log, the ports themselves (whose wake-up
 * fds it registers), the executor that runs their bursts (built for this plan's port list and
 * flow program) and the epoll set it sleeps on.
 */
final class PmdPlan {
    private final int[] ports;
    private final String[] names;
    private final SwitchPort[] polled;
    private final FrameExecutor executor;
    private final KickSleeper sleeper;
    /** Not null only for a plan that asks the PMD to hold: it polls nothing by it. */
    private final PmdHold hold;

    /** A plan without ports to sleep on (a PMD driven round by round, as in the agent's tests). */
    PmdPlan(int[] ports, String[] names, FrameExecutor executor, KickSleeper sleeper) {
        this(ports, names, new SwitchPort[0], executor, sleeper);
    }

    PmdPlan(int[] ports, String[] names, SwitchPort[] polled, FrameExecutor executor, KickSleeper sleeper) {
        if (ports.length != names.length) {
            throw new IllegalArgumentException(ports.length + " ports but " + names.length + " names");
        }
        this.ports = ports.clone();
        this.names = names.clone();
        this.polled = polled.clone();
        this.executor = executor;
        this.sleeper = sleeper;
        this.hold = null;
    }

    private PmdPlan(PmdHold hold) {
        this.ports = new int[0];
        this.names = new String[0];
        this.polled = new SwitchPort[0];
        this.executor = null;
        this.sleeper = null;
        this.hold = hold;
    }

    /** Not a plan to poll by but a request that the PMD hold between rounds ({@link PmdHold}). */
    static PmdPlan holding(PmdHold hold) {
        return new PmdPlan(java.util.Objects.requireNonNull(hold, "hold"));
    }

    /** The hold this plan asks for, or null for a plan to poll by. */
    PmdHold hold() {
        return hold;
    }

    /** The polled ports' indices (not copied: the PMD reads it every round; nobody writes it). */
    int[] ports() {
        return ports;
    }

    /** Their names, same order. */
    String[] names() {
        return names;
    }

    /** The polled ports themselves (empty for a plan without a sleeper). */
    SwitchPort[] polled() {
        return polled;
    }

    FrameExecutor executor() {
        return executor;
    }

    /** The epoll set holding the polled ports' wake-up fds, or null. */
    KickSleeper sleeper() {
        return sleeper;
    }
}
