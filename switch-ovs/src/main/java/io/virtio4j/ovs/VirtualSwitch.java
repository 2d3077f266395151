package io.virtio4j.ovs;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.datapath.CaptureHooks;
import io.virtio4j.ovs.datapath.FrameExecutor;
import io.virtio4j.ovs.datapath.PortCapture;
import io.virtio4j.ovs.datapath.PmdAssignment;
import io.virtio4j.ovs.datapath.PmdHandoff;
import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.ovs.datapath.PmdPlacement;
import io.virtio4j.ovs.datapath.PmdThread;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.port.RefusalCounters;
import io.virtio4j.ovs.port.SwitchPorts;
import io.virtio4j.ovs.port.VhostUserPort;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.vhostuser.GuestMemoryBudget;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running switch: the ports of a {@link SwitchSpec}, polled by PMD threads that run each
 * received frame through a {@link FramePipeline} and copy it once to where it goes. Built with
 * {@link #builder}; {@link #close()} stops every thread and closes every port, fd and counter.
 * The inspection methods are what the control interface shows (ports, PMD statistics, drops).
 *
 * <p>Tested by (behaviour tests in {@code io.virtio4j.ovs}): {@code InProcessSwitchTest} (verdicts,
 * VLAN tags, rewrites, counters, PMDs, close), {@code VhostUserSwitchTest} and
 * {@code OvsPipelineSwitchTest} (guests over real vhost-user sockets), {@code ReconfigurationHandoffTest}
 * (live changes), {@code SteadyStateAllocationTest}, {@code RefusalCountersTest}, {@code MtuTest},
 * {@code FloodNoPortTest} and the other {@code *SwitchTest} classes there.
 */
public final class VirtualSwitch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualSwitch.class);
    /** Counters an in-memory counters manager has room for when none is handed in. */
    static final int DEFAULT_COUNTERS = 4096;
    private static final java.time.Duration REFUSAL_REFRESH = java.time.Duration.ofSeconds(1);
    /** How long a reconfiguration waits for the PMD threads by default ({@link Builder#handoffTimeout}). */
    public static final Duration DEFAULT_HANDOFF_TIMEOUT = Duration.ofSeconds(5);

    /**
     * The ports, their counters, the flow program and which PMD polls which port: replaced whole
     * by {@link #reconfigure} (control side, under this object's lock), read by the control tables.
     */
    private volatile SwitchLayout layout;
    private final DropCounters drops;
    private final List<PmdThread> pmds;
    private final PmdPlacement placement;
    /** Where ports opened at run time allocate their counters. */
    private final CountersManager counters;
    /** The switch-wide guest memory limit ports opened at run time share with the others. */
    private final GuestMemoryBudget guestMemory;
    /** Copies the refusal counts into the counters file once a second (control side, not a PMD). */
    private final Thread refusalRefresh;
    private boolean closed;
    /** Where ctl capture attaches to the PMD threads, by port name: the same across reconfigurations. */
    private final CaptureHooks captures;
    /** How long a reconfiguration waits for every PMD to hold between rounds ({@link PmdHandoff}). */
    private final Duration handoffTimeout;

    private VirtualSwitch(SwitchLayout layout, DropCounters drops, List<PmdThread> pmds, PmdPlacement placement,
                          CountersManager counters, GuestMemoryBudget guestMemory, CaptureHooks captures,
                          Duration handoffTimeout) {
        this.layout = layout;
        this.handoffTimeout = handoffTimeout;
        this.captures = captures;
        this.placement = placement;
        this.drops = drops;
        this.pmds = pmds;
        this.counters = counters;
        this.guestMemory = guestMemory;
        this.refusalRefresh = Thread.ofPlatform().name("virtio4j-refusal-counters").daemon().start(this::refreshEverySecond);
    }

    private void refreshEverySecond() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(REFUSAL_REFRESH);
                if (!refreshRefusals()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // close(): stop.
        }
    }

    /**
     * Copies the refusal counts kept outside the counters file into their counters: a vhost-user
     * port's refused chains and offloads ({@code port:NAME:chain_*}, {@code port:NAME:vnet_*}), a
     * VXLAN port's drops and VTEPs; done once a second anyway. The sessions' {@code port:NAME:vhost_*}
     * need no copy: they are counted in the file.
     * Returns false once the switch is closed. Never touches a ring lock or a PMD.
     */
    public synchronized boolean refreshRefusals() {
        if (closed) {
            return false;
        }
        for (RefusalCounters r : layout.refusals()) {
            if (r != null) {
                r.refresh();
            }
        }
        return true;
    }

    /** Per vhost-user port and reason, what its front-end had refused (as {@code ctl refusals} shows), refreshed now. */
    public synchronized List<PortRefusal> refusals() {
        List<PortRefusal> out = new ArrayList<>();
        if (closed) {
            return out;
        }
        SwitchLayout l = layout;
        for (int i = 0; i < l.size(); i++) {
            if (l.refusals()[i] != null) {
                for (RefusalCounters.Reason r : l.refusals()[i].reasons()) {
                    out.add(new PortRefusal(l.spec().ports().get(i).name(), r.label(), r.count()));
                }
            }
        }
        return out;
    }

    /** A builder for a switch as {@code spec} describes it; give it a pipeline, then start it. */
    public static Builder builder(SwitchSpec spec) {
        return new Builder(spec);
    }

    /**
     * Starts the switch {@code spec} describes with the OVS flow program ({@link OvsPipeline}:
     * learning, ovs-only routing, the gateway's ARP and ICMP) and its counters in {@code counters}.
     */
    public static VirtualSwitch start(SwitchSpec spec, CountersManager counters) {
        return builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).counters(counters).start();
    }

    /** Collects what a switch needs besides its spec, then starts it. */
    public static final class Builder {
        private final SwitchSpec spec;
        private FramePipeline pipeline;
        private CountersManager counters;
        private Duration spin = Duration.ofMillis(10);
        private Duration maxSleep = Duration.ofMillis(100);
        private final Map<String, TapDevice> handedIn = new HashMap<>();
        /** The switch-wide limit on guest memory its vhost-user front-ends make it map, shared by the ports. */
        private final GuestMemoryBudget guestMemory;
        private List<Integer> pmdCpus = List.of();
        private Duration handoffTimeout = DEFAULT_HANDOFF_TIMEOUT;

        private Builder(SwitchSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
            this.guestMemory = new GuestMemoryBudget(spec.maxGuestMemory());
        }

        /** The flow program every frame goes through (required). */
        public Builder pipeline(FramePipeline p) {
            this.pipeline = Objects.requireNonNull(p, "pipeline");
            return this;
        }

        /** Where the counters live (for example over a mapped file other processes read); default: in memory. */
        public Builder counters(CountersManager manager) {
            this.counters = Objects.requireNonNull(manager, "counters");
            return this;
        }

        /** How long a PMD keeps busy-polling after its last frame before it sleeps on kick fds (default 10 ms;
         * an idle switch pays it once per burst of traffic, not per sleep). */
        public Builder idleSpin(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("idle spin must not be negative");
            }
            this.spin = d;
            return this;
        }

        /**
         * The longest an idle PMD sleeps without a signal (default 100 ms): only a safety net, since
         * ports signal new frames and vhost-user ring starts.
         */
        public Builder maxSleep(Duration d) {
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException("the longest sleep must be at least 1 ms");
            }
            this.maxSleep = d;
            return this;
        }

        /**
         * The CPU of each PMD thread, as OVS's pmd-cpu-mask (config key {@code pmd-cpus}): PMD n is
         * pinned to {@code cpus.get(n)} and the process's other threads are moved off those CPUs
         * (see {@link PmdPlacement}). Empty (the default): nothing is pinned.
         */
        public Builder pmdCpus(List<Integer> cpus) {
            this.pmdCpus = List.copyOf(cpus);
            return this;
        }

        /**
         * How long a live reconfiguration waits for every PMD thread to stop between two rounds
         * before it gives up and changes nothing (default 5 s; a PMD reaches a round boundary in
         * microseconds, or is woken from its sleep for it, unless its thread is stuck).
         */
        public Builder handoffTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the hand-off timeout must be positive");
            }
            this.handoffTimeout = d;
            return this;
        }

        /** The already open TAP internal port {@code portName} uses (e.g. a gateway NIC in a namespace); the switch closes it. */
        public Builder internalDevice(String portName, TapDevice device) {
            handedIn.put(Objects.requireNonNull(portName), Objects.requireNonNull(device));
            return this;
        }

        /**
         * Opens every port and starts the PMD threads. On any failure everything opened so far is
         * closed and a {@link SwitchException} names the port and the cause.
         */
        public VirtualSwitch start() {
            if (pipeline == null) {
                throw new IllegalStateException("the switch needs a pipeline");
            }
            CountersManager manager = counters != null ? counters : inMemoryCounters(DEFAULT_COUNTERS);
            List<PortSpec> specs = spec.ports();
            SwitchPort[] ports = new SwitchPort[specs.size()];
            PortCounters[] portCounters = new PortCounters[specs.size()];
            RefusalCounters[] refusals = new RefusalCounters[specs.size()];
            List<PmdThread> pmds = new ArrayList<>();
            CaptureHooks captures = new CaptureHooks();
            DropCounters drops = null;
            PmdPlacement placement = null;
            try {
                drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID);
                for (int i = 0; i < ports.length; i++) {
                    PortSpec p = specs.get(i);
                    portCounters[i] = new PortCounters(manager, p.name());
                    ports[i] = openPort(p, manager);
                    if (ports[i] instanceof VhostUserPort vhost) {
                        refusals[i] = new RefusalCounters(manager, p.name(), vhost);
                    } else if (ports[i] instanceof io.virtio4j.ovs.vxlan.VxlanPort vx) {
                        refusals[i] = vx.counters(manager);
                    }
                }
                int[][] assignment = PmdAssignment.assign(specs, spec.pmdThreads());
                placement = PmdPlacement.apply(pmdCpus, spec.pmdThreads(), Platform.linux());
                int[] pmdOfPort = new int[ports.length];
                for (int p = 0; p < assignment.length; p++) {
                    for (int port : assignment[p]) {
                        pmdOfPort[port] = p;
                    }
                    FrameExecutor executor = new FrameExecutor(ports, specs.toArray(PortSpec[]::new), portCounters, pipeline,
                            drops, captures);
                    pmds.add(new PmdThread(p, ports, assignment[p], executor, manager, spin, maxSleep, placement));
                }
                LOG.info("switch started: {} ports on {} PMD thread(s), L3 {}", ports.length, pmds.size(), spec.l3().configName());
                return new VirtualSwitch(new SwitchLayout(spec, pipeline, ports, portCounters, refusals, pmdOfPort), drops,
                        List.copyOf(pmds), placement, manager, guestMemory, captures, handoffTimeout);
            } catch (RuntimeException e) {
                // Clean-up failures must not hide why the start failed, nor keep a handed-in TAP open.
                try {
                    closeAll(pmds, placement, ports, portCounters, refusals, drops);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                for (TapDevice device : handedIn.values()) {
                    try {
                        device.close();
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw e instanceof SwitchException s ? s : new SwitchException("the switch did not start: " + e.getMessage(), e);
            }
        }

        private SwitchPort openPort(PortSpec p, CountersManager manager) {
            try {
                return SwitchPorts.open(p, handedIn, guestMemory, manager);
            } catch (RuntimeException e) {
                throw new SwitchException("port " + p.name() + " (" + p.type().configName() + " " + p.target()
                        + ") did not open: " + e.getMessage(), e);
            }
        }
    }

    /**
     * A counters manager over direct memory with room for {@code counters} counters; concurrent, as
     * the counters file's, since ports allocate and free theirs from more than one thread.
     */
    public static CountersManager inMemoryCounters(int counters) {
        UnsafeBuffer metadata = new UnsafeBuffer(ByteBuffer.allocateDirect(counters * CountersReader.METADATA_LENGTH));
        UnsafeBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(counters * CountersReader.COUNTER_LENGTH));
        return new org.agrona.concurrent.status.ConcurrentCountersManager(metadata, values);
    }

    /** The switch as configured (as last reconfigured). */
    public SwitchSpec spec() {
        return layout.spec();
    }

    /** The flow program frames go through now (the control interface shows its tables); a reconfiguration replaces it. */
    public FramePipeline pipeline() {
        return layout.pipeline();
    }

    /** Every port with its state and counters, in spec order. */
    public List<PortInfo> ports() {
        SwitchLayout l = layout;
        List<PortInfo> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            PortSpec p = l.spec().ports().get(i);
            SwitchPort port = l.ports()[i];
            out.add(new PortInfo(i, p.name(), p.type(), p.target(), port.connected(), p.vlan(), l.pmdOfPort()[i],
                    l.counters()[i].snapshot(), port.deviceDrops()));
        }
        return out;
    }

    /**
     * Changes the running switch to {@code next}, with a flow program {@code pipelines} builds for
     * it, and returns one line per change made. Ports whose device is unchanged keep running with
     * their guests attached and lose no frame, even when they move to other VLANs or another PMD;
     * new ports are opened, removed ones closed; a port whose device changes (socket path, type,
     * queue pairs, ...) is removed and opened again, so its guest reconnects.
     * See {@code SwitchReconfiguration} for how the PMD threads are handed the change.
     *
     * @throws IllegalArgumentException if {@code next} changes the number of PMD threads
     * @throws SwitchException          if a port does not open, or a PMD thread does not stop between
     *                                  two rounds within the hand-off timeout: nothing changed; except
     *                                  that a reopened port closed in the first of its two steps stays
     *                                  closed if the second fails (the message says so)
     */
    public synchronized List<String> reconfigure(SwitchSpec next, java.util.function.Function<SwitchSpec, FramePipeline> pipelines) {
        if (closed) {
            throw new IllegalStateException("the switch is closed");
        }
        if (next.pmdThreads() != pmds.size()) {
            throw new IllegalArgumentException("pmd-threads cannot change while the switch runs (" + pmds.size() + " now, "
                    + next.pmdThreads() + " asked); restart the switch");
        }
        SwitchLayout now = layout;
        java.util.Set<String> reopened = new java.util.LinkedHashSet<>();
        for (PortSpec p : next.ports()) {
            int o = now.indexOf(p.name());
            if (o >= 0 && !SwitchReconfiguration.sameDevice(now.spec().ports().get(o), p)) {
                reopened.add(p.name());
            }
        }
        List<String> changes = new ArrayList<>();
        if (!reopened.isEmpty()) {
            // First without them (their old device closes), then with them (opened anew): a socket
            // path or interface cannot be held twice.
            SwitchSpec without = next.withPorts(next.ports().stream().filter(p -> !reopened.contains(p.name())).toList());
            changes.addAll(step(without, pipelines.apply(without)));
        }
        try {
            changes.addAll(step(next, pipelines.apply(next)));
        } catch (RuntimeException e) {
            if (!reopened.isEmpty()) {
                throw new SwitchException("port(s) " + String.join(", ", reopened) + " were closed to be opened again with"
                        + " their new settings, but did not open; the switch runs without them: " + e.getMessage(), e);
            }
            throw e;
        }
        return changes;
    }

    /**
     * Hands the PMD threads a new flow program for the switch as it is now (its spec read under
     * the same lock as {@link #reconfigure}, so a concurrent reload is neither undone nor lost):
     * how flows installed through OpenFlow reach the data path. Each PMD takes it at a burst
     * boundary with a new context, so its exact-match cache starts empty.
     */
    public synchronized List<String> reprogram(java.util.function.Function<SwitchSpec, FramePipeline> pipelines) {
        return reconfigure(layout.spec(), pipelines);
    }

    private List<String> step(SwitchSpec next, FramePipeline nextPipeline) {
        SwitchReconfiguration change = new SwitchReconfiguration(layout, next, nextPipeline, pmds, drops, counters, guestMemory,
                captures, handoffTimeout);
        change.apply(l -> layout = l);
        return change.changes();
    }

    /** The capture slots the PMD threads read ({@code ctl capture} attaches a {@link PortCapture} per port). */
    public CaptureHooks captures() {
        return captures;
    }

    /** The port called {@code name}. */
    public PortInfo port(String name) {
        return ports().get(indexOf(name));
    }

    /** Per PMD thread: busy and idle time, frames, polls, sleeps (as {@code pmd-stats-show}). */
    public List<PmdSnapshot> pmdStats() {
        return pmds.stream().map(PmdThread::snapshot).toList();
    }

    /** Frames dropped switch-wide for {@code reason}. */
    public long drops(DropReason reason) {
        return drops.get(reason);
    }

    /** The in-process port called {@code name}, for Java code that exchanges frames with the switch. */
    public InProcessPort inProcessPort(String name) {
        if (layout.ports()[indexOf(name)] instanceof InProcessPort p) {
            return p;
        }
        throw new IllegalArgumentException("port " + name + " is not an in-process port");
    }

    /** The vxlan port called {@code name}: its VTEPs, remote MACs and drops for the control interface and tests. */
    public io.virtio4j.ovs.vxlan.VxlanPort vxlanPort(String name) {
        if (layout.ports()[indexOf(name)] instanceof io.virtio4j.ovs.vxlan.VxlanPort p) {
            return p;
        }
        throw new IllegalArgumentException("port " + name + " is not a vxlan port");
    }

    /** The PMD threads' kernel ids, in PMD order (0 for one that has not run yet). */
    public List<Integer> pmdTids() {
        return pmds.stream().map(PmdThread::tid).toList();
    }

    /**
     * The PMD threads, in PMD order, for measuring their CPU time and allocations (as the
     * zero-allocation tests do) or checking that {@link #close()} stopped them.
     */
    public List<Thread> pmdThreads() {
        return pmds.stream().map(PmdThread::thread).toList();
    }

    /** Rounds that failed on any PMD thread. */
    public long pmdErrors() {
        return pmds.stream().mapToLong(PmdThread::errors).sum();
    }

    private int indexOf(String name) {
        int i = layout.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no port " + name);
        }
        return i;
    }

    /** Stops the PMD threads, then closes every port and frees every counter. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        refusalRefresh.interrupt();
        SwitchLayout l = layout;
        try {
            closeAll(pmds, placement, l.ports(), l.counters(), l.refusals(), drops);
        } finally {
            // Running captures write what their rings hold and close their files (ctl capture).
            captures.switchStopped();
        }
        LOG.info("switch stopped");
    }

    /** Closes what exists of a switch, PMDs first (they use the ports), continuing past failures. */
    private static void closeAll(List<PmdThread> pmds, PmdPlacement placement, SwitchPort[] ports, PortCounters[] counters,
                                 RefusalCounters[] refusals, DropCounters drops) {
        RuntimeException first = null;
        List<AutoCloseable> all = new ArrayList<>(pmds);
        all.add(placement);
        for (SwitchPort p : ports) {
            all.add(p);
        }
        for (PortCounters c : counters) {
            all.add(c);
        }
        for (RefusalCounters r : refusals) {
            all.add(r);
        }
        all.add(drops);
        for (AutoCloseable c : all) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new SwitchException("closing the switch: " + e.getMessage(), e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
