package io.virtio4j.ovs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import io.virtio4j.ovs.datapath.CaptureHooks;
import io.virtio4j.ovs.datapath.FrameExecutor;
import io.virtio4j.ovs.datapath.PmdAssignment;
import io.virtio4j.ovs.datapath.PmdHandoff;
import io.virtio4j.ovs.datapath.PmdThread;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.RefusalCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.port.SwitchPorts;
import io.virtio4j.ovs.port.VhostUserPort;
import io.virtio4j.vhostuser.GuestMemoryBudget;

import org.agrona.concurrent.status.CountersManager;

/**
 * One step of a live reconfiguration: from the running {@link SwitchLayout} to the one
 * {@code next} describes, where every port of {@code next} is either new (opened here) or runs on
 * unchanged (same device: type, socket or interface, queue pairs, reconnect, memory limit), maybe
 * on other VLANs or another PMD. Ports whose device changes are handled by the caller as a removal
 * and an addition ({@link VirtualSwitch#reconfigure}).
 *
 * <p>The PMD threads own their ports, so the data path changes in one hand-off
 * ({@link PmdHandoff}: never a lock per frame; each PMD reads one volatile per round). Everything
 * that can fail comes first, with nothing published: the new ports are opened, the new
 * executors and the PMDs' new plans (with their epoll sets) built. Then every PMD is asked to stop
 * between two rounds; if one does not within the hand-off timeout, the others go on with their old
 * plans, the new ports are closed, and nothing has changed. Once all hold, the layout the control
 * side reads is swapped and the PMDs are let go, each taking its new plan up before it touches a
 * port (a port moving to another PMD is never polled by two; its frames wait in its rings, none is
 * lost). Then the removed ports are closed (vhost-user session, fds, socket file, counters):
 * nothing can send to them any more (new executors, new exact-match caches, their FDB entries not
 * carried over).
 */
final class SwitchReconfiguration {
    private final SwitchLayout old;
    private final SwitchSpec next;
    private final FramePipeline pipeline;
    private final List<PmdThread> pmds;
    private final DropCounters drops;
    private final CountersManager manager;
    private final GuestMemoryBudget guestMemory;
    private final CaptureHooks captures;
    private final Duration handoffTimeout;
    private final List<String> changes = new ArrayList<>();

    SwitchReconfiguration(SwitchLayout old, SwitchSpec next, FramePipeline pipeline, List<PmdThread> pmds,
                          DropCounters drops, CountersManager manager, GuestMemoryBudget guestMemory,
                          CaptureHooks captures, Duration handoffTimeout) {
        this.captures = captures;
        this.handoffTimeout = handoffTimeout;
        this.old = old;
        this.next = next;
        this.pipeline = pipeline;
        this.pmds = pmds;
        this.drops = drops;
        this.manager = manager;
        this.guestMemory = guestMemory;
    }

    /** Whether a running port opened from {@code a} can go on as {@code b} (only VLANs and PMD differ: offloads and MTU are what its guest negotiated, fixed for a session). */
    static boolean sameDevice(PortSpec a, PortSpec b) {
        return a.type() == b.type() && a.target().equals(b.target()) && a.queuePairs() == b.queuePairs()
                && a.reconnect().equals(b.reconnect()) && a.maxGuestMemory() == b.maxGuestMemory()
                && a.offloads().equals(b.offloads()) && a.mtu() == b.mtu()
                && java.util.Objects.equals(tunnelDevice(a), tunnelDevice(b));
    }

    /** A vxlan port's settings but its VTEPs, which change live ({@code ctl add-vtep}, {@code remote =}); null for others. */
    private static io.virtio4j.ovs.model.VxlanSpec tunnelDevice(PortSpec p) {
        return p.vxlan() == null ? null : p.vxlan().withRemotes(List.of(), java.util.Map.of());
    }

    /** One line per change made, for the reload diff in the log and the reply. */
    List<String> changes() {
        return List.copyOf(changes);
    }

    /**
     * Opens the new ports, moves the PMDs over, closes the removed ports; {@code publish} gets the
     * new layout while every PMD holds (before any port is closed), and it is returned.
     *
     * @throws SwitchException if a new port does not open, or a PMD does not hold within the
     *                         hand-off timeout (the ones opened are closed; nothing changed)
     */
    SwitchLayout apply(Consumer<SwitchLayout> publish) {
        if (next.pmdThreads() != pmds.size()) {
            throw new IllegalArgumentException("pmd-threads cannot change while the switch runs (" + pmds.size() + " now, "
                    + next.pmdThreads() + " asked)");
        }
        int n = next.ports().size();
        SwitchPort[] ports = new SwitchPort[n];
        PortCounters[] counters = new PortCounters[n];
        RefusalCounters[] refusals = new RefusalCounters[n];
        int[] previous = new int[n];
        int[] oldIndex = new int[n];
        Arrays.fill(previous, -1);
        boolean[] kept = new boolean[old.size()];
        try {
            for (int i = 0; i < n; i++) {
                PortSpec p = next.ports().get(i);
                int o = old.indexOf(p.name());
                oldIndex[i] = o;
                if (o >= 0) {
                    PortSpec before = old.spec().ports().get(o);
                    if (!sameDevice(before, p)) {
                        throw new IllegalArgumentException("port " + p.name() + " changes its device; remove it first");
                    }
                    kept[o] = true;
                    ports[i] = old.ports()[o];
                    counters[i] = old.counters()[o];
                    refusals[i] = old.refusals()[o];
                    if (p.pmd() == before.pmd()) {
                        previous[i] = old.pmdOfPort()[o];
                    }
                    describeChange(before, p);
                } else {
                    open(p, i, ports, counters, refusals);
                }
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < n; i++) {
                if (oldIndex[i] < 0) {
                    closeQuietly(e, ports[i], counters[i], refusals[i]);
                }
            }
            throw e instanceof SwitchException s ? s : new SwitchException(e.getMessage(), e);
        }
        int[][] assignment = PmdAssignment.assign(next.ports(), pmds.size(), previous);
        int[] pmdOfPort = new int[n];
        for (int p = 0; p < assignment.length; p++) {
            for (int port : assignment[p]) {
                pmdOfPort[port] = p;
            }
        }
        int[] newIndexOfOld = new int[old.size()];
        Arrays.fill(newIndexOfOld, -1);
        for (int i = 0; i < n; i++) {
            if (oldIndex[i] >= 0) {
                newIndexOfOld[oldIndex[i]] = i;
                if (pmdOfPort[i] != old.pmdOfPort()[oldIndex[i]]) {
                    changes.add("port " + next.ports().get(i).name() + ": polled by PMD " + pmdOfPort[i] + " (was "
                            + old.pmdOfPort()[oldIndex[i]] + ")");
                }
            }
        }
        for (int o = 0; o < old.size(); o++) {
            if (!kept[o]) {
                changes.add("port " + old.spec().ports().get(o).name() + ": removed (its session closed, its FDB entries"
                        + " flushed, its counters freed)");
            }
        }
        // Learned stations of ports that stay (on VLANs they still carry) go on: no flood storm after a change.
        pipeline.adoptLearned(old.pipeline(), newIndexOfOld);
        PortSpec[] specs = next.ports().toArray(PortSpec[]::new);
        FrameExecutor[] executors = new FrameExecutor[pmds.size()];
        for (int p = 0; p < executors.length; p++) {
            executors[p] = new FrameExecutor(ports, specs, counters, pipeline, drops, captures);
        }
        SwitchLayout layout = new SwitchLayout(next, pipeline, ports, counters, refusals, pmdOfPort);
        PmdHandoff handoff = new PmdHandoff(pmds, handoffTimeout);
        try {
            for (int p = 0; p < pmds.size(); p++) {
                handoff.plan(p, ports, assignment[p], executors[p]);
            }
            handoff.hold();
        } catch (RuntimeException e) {
            // No PMD took anything up: close what this change opened, and nothing has changed.
            handoff.abandon();
            RuntimeException failure = e;
            for (int i = 0; i < n; i++) {
                if (oldIndex[i] < 0) {
                    failure = closeQuietly(failure, ports[i], counters[i], refusals[i]);
                }
            }
            changes.clear();
            throw new SwitchException(e.getMessage(), failure);
        }
        boolean movedOn;
        try {
            // Every PMD holds between rounds: nothing touches a port while the layout changes.
            publish.accept(layout);
        } finally {
            movedOn = handoff.release();
        }
        if (!movedOn) {
            throw new SwitchException("the switch changed, but a PMD did not take its new ports up; the removed ports stay"
                    + " open until it does (see the log)");
        }
        for (int i = 0; i < n; i++) {
            // A kept vxlan port whose VTEPs changed takes the new set; its other settings are the same (sameDevice).
            if (oldIndex[i] >= 0 && ports[i] instanceof io.virtio4j.ovs.vxlan.VxlanPort vx) {
                vx.setVteps(next.ports().get(i).vxlan());
            }
        }
        // No PMD polls, or sends to, a removed port any more: close it.
        RuntimeException closing = null;
        for (int o = 0; o < old.size(); o++) {
            if (!kept[o]) {
                // Its ring-start hook pointed at a PMD's old epoll set, closed by now.
                old.ports()[o].onWakeupsChanged(() -> { });
                // A capture of it ends (ctl captures says "port-removed"); a port of that name added later starts clean.
                captures.portRemoved(old.spec().ports().get(o).name());
                closing = closeQuietly(closing, old.ports()[o], old.counters()[o], old.refusals()[o]);
            }
        }
        if (closing != null) {
            throw new SwitchException("the switch changed, but closing a removed port failed: " + closing.getMessage(), closing);
        }
        return layout;
    }

    private void open(PortSpec p, int i, SwitchPort[] ports, PortCounters[] counters, RefusalCounters[] refusals) {
        try {
            counters[i] = new PortCounters(manager, p.name());
            ports[i] = SwitchPorts.open(p, java.util.Map.of(), guestMemory, manager);
            if (ports[i] instanceof VhostUserPort vhost) {
                refusals[i] = new RefusalCounters(manager, p.name(), vhost);
            } else if (ports[i] instanceof io.virtio4j.ovs.vxlan.VxlanPort vx) {
                refusals[i] = vx.counters(manager);
            }
        } catch (RuntimeException e) {
            throw new SwitchException("port " + p.name() + " (" + p.type().configName() + " " + p.target()
                    + ") did not open: " + e.getMessage(), e);
        }
        changes.add("port " + p.name() + ": added (" + p.type().configName() + " " + p.target() + ", vlan "
                + p.vlan().describe() + ", queues " + p.queuePairs() + ", pmd " + pmd(p.pmd()) + ")");
    }

    private void describeChange(PortSpec before, PortSpec after) {
        List<String> what = new ArrayList<>();
        if (!before.vlan().equals(after.vlan())) {
            what.add("vlan " + before.vlan().describe() + " -> " + after.vlan().describe());
        }
        if (before.pmd() != after.pmd()) {
            what.add("pmd " + pmd(before.pmd()) + " -> " + pmd(after.pmd()));
        }
        if (after.vxlan() != null && !after.vxlan().remotes().equals(before.vxlan().remotes())) {
            what.add("VTEPs " + vteps(before) + " -> " + vteps(after));
        }
        if (!what.isEmpty()) {
            changes.add("port " + after.name() + ": " + String.join(", ", what) + " (its guest stays attached)");
        }
    }

    private static String vteps(PortSpec p) {
        return p.vxlan().remotes().stream().map(io.virtio4j.ovs.model.Ipv4::format).toList().toString();
    }

    private static String pmd(int pmd) {
        return pmd < 0 ? "auto" : String.valueOf(pmd);
    }

    /** Closes what exists of a port, adding failures to {@code failure} (created if null), which it returns. */
    private static RuntimeException closeQuietly(RuntimeException failure, AutoCloseable... parts) {
        RuntimeException out = failure;
        for (AutoCloseable c : parts) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (out == null) {
                    out = e instanceof RuntimeException r ? r : new SwitchException(e.getMessage(), e);
                } else {
                    out.addSuppressed(e);
                }
            }
        }
        return out;
    }
}
