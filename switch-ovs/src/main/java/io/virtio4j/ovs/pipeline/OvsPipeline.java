package io.virtio4j.ovs.pipeline;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.Counters;
import io.virtio4j.ovs.flow.ExactMatchCache;
import io.virtio4j.ovs.flow.FlowProgram;
import io.virtio4j.ovs.flow.FlowProgramBuilder;
import io.virtio4j.ovs.flow.Reply;
import io.virtio4j.ovs.flow.Resolution;
import io.virtio4j.ovs.flow.ResolutionExecutor;
import io.virtio4j.ovs.flow.VlanPorts;
import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.l2.FdbEntry;
import io.virtio4j.ovs.l2.LearningTable;
import io.virtio4j.ovs.l3.NeighbourEntry;
import io.virtio4j.ovs.l3.NeighbourTable;
import io.virtio4j.ovs.l3.RouteEntry;
import io.virtio4j.ovs.l3.Routes;
import io.virtio4j.ovs.l3.SubnetIndex;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.ParsedFrame;

/**
 * The switch's {@link FramePipeline}: parse, exact-match cache, flow program on a miss, learning,
 * then the verdict. Built from a {@link SwitchSpec} for its L3 mode (see {@link FlowProgramBuilder}).
 *
 * <p>Per frame: the header is parsed (malformed, or a group source MAC: dropped MALFORMED, counted,
 * logged at most once a second); the EMC is consulted with the FDB's and the neighbour table's
 * generations, read at the burst's start ({@link #beginBurst}, with the ageing sweep check) and
 * again after this thread's own learning changed a table, so a change during translation only
 * costs a later miss and another thread's change reaches this thread by its next burst; on
 * a miss the tables translate the frame and the result is cached. Then, hit or miss, the source
 * MAC is learned on the admitted VLAN (and, in ovs-only mode, an ARP sender as a neighbour when it
 * belongs to the VLAN's subnet, while IPv4 from a known neighbour's MAC keeps its entry alive), and
 * the resolution is executed into the verdict.
 *
 * <p>Thread-safe: the FDB and neighbour table are concurrent (see {@code LearningTable}), the flow
 * program is immutable, and each PMD thread has its own context (EMC, scratch, counters), made
 * once with {@link #newContext} and passed with every frame (no per-frame lookup); the
 * control-interface snapshots sum the contexts' counters, which frames, EMC hits and flow packets
 * reach once per burst ({@link #endBurst}). A caller off the data path (a test, a
 * tool) may use the context-less {@link #process(int, MemorySegment, int, int, long, Verdict)},
 * which finds its thread's context in a ThreadLocal. Steady state allocates nothing (see the
 * allocation test).
 *
 * <p>Tested by (behaviour tests, the {@code pipeline} package over its test {@code Lab}):
 * {@code SwitchingTest} (L2 within a VLAN), {@code RoutingTest} (ovs-only routing),
 * {@code GatewayTest} (the gateway's ARP and ICMP), {@code CacheTest} (the exact-match cache),
 * {@code BurstTest} (the burst contract), {@code ConcurrencyTest} (PMD threads sharing it),
 * {@code MalformedFramesTest}, {@code FloodLimitTest}, {@code AllocationTest} (nothing allocated in
 * steady state) and the fuzz target {@code FramePipelineFuzzTest}; the whole switch around it by
 * {@code OvsPipelineSwitchTest}.
 */
public final class OvsPipeline implements FramePipeline {
    private static final Logger LOG = LoggerFactory.getLogger(OvsPipeline.class);

    private final SwitchSpec spec;
    private final int portCount;
    private final Fdb fdb;
    private final NeighbourTable neighbours;
    private final SubnetIndex subnets;
    private final FlowProgram program;
    /** The OpenFlow flows the program was built with (a reconfiguration builds the next pipeline with them). */
    private final ControllerFlows controllerFlows;
    /** False when a flow matches fields outside the exact-match cache's key: every frame is translated. */
    private final boolean cacheable;
    /** OpenFlow flows' packets counted by the pipelines before this one (guarded by this). */
    private final Map<Object, Long> carriedPackets = new HashMap<>();
    /** The pipeline this one replaced, until it is folded into {@link #carriedPackets} (guarded by this). */
    private OvsPipeline previous;
    private final ResolutionExecutor executor;
    private final List<RouteEntry> routes;
    private final boolean learnNeighbours;
    /**
     * One limiter per port (the last for a port index outside the spec): a guest flooding
     * malformed frames must not turn another port's first line into "similar suppressed".
     */
    private final RateLimitedLog[] malformedLogs;
    private final List<PmdContext> contexts = new CopyOnWriteArrayList<>();
    private final int emcEntries;
    /** Contexts of callers that pass none (off the data path). */
    private final ThreadLocal<PmdContext> context;

    /** A pipeline with OVS's EMC size. */
    public OvsPipeline(SwitchSpec spec, long nowNanos) {
        this(spec, nowNanos, ExactMatchCache.DEFAULT_ENTRIES);
    }

    /**
     * @param spec       the switch; port indices are positions in its port list
     * @param nowNanos   the clock now (schedules the first ageing sweep)
     * @param emcEntries exact-match cache entries per PMD thread, a power of two
     * @throws IllegalArgumentException if the spec cannot be programmed (a static route's next hop outside every
     *                                  subnet, or a VLAN with more ports than a flood can reach)
     */
    public OvsPipeline(SwitchSpec spec, long nowNanos, int emcEntries) {
        this(spec, nowNanos, emcEntries, ControllerFlows.DEFAULT);
    }

    /** A pipeline with OVS's EMC size and the OpenFlow flows {@code flows}. */
    public OvsPipeline(SwitchSpec spec, long nowNanos, ControllerFlows flows) {
        this(spec, nowNanos, ExactMatchCache.DEFAULT_ENTRIES, flows);
    }

    /**
     * As {@link #OvsPipeline(SwitchSpec, long, int)} with OpenFlow's tables holding {@code flows}
     * (their port numbers resolved against {@code spec}'s ports).
     */
    public OvsPipeline(SwitchSpec spec, long nowNanos, int emcEntries, ControllerFlows flows) {
        this.spec = spec;
        this.controllerFlows = flows;
        this.portCount = spec.ports().size();
        this.malformedLogs = new RateLimitedLog[portCount + 1];
        for (int i = 0; i < malformedLogs.length; i++) {
            malformedLogs[i] = new RateLimitedLog(LOG, 1_000_000_000L);
        }
        this.fdb = new Fdb(spec.fdb(), nowNanos);
        this.neighbours = new NeighbourTable(spec, nowNanos);
        this.subnets = new SubnetIndex(spec.subnets());
        this.routes = spec.l3() == L3Mode.OVS_ONLY ? Routes.of(spec) : List.of();
        this.program = FlowProgramBuilder.build(spec, routes, fdb, neighbours, flows);
        this.cacheable = program.cacheable();
        VlanPorts vlanPorts = new VlanPorts(spec.ports());
        checkFloodsFit(vlanPorts);
        this.executor = new ResolutionExecutor(vlanPorts, subnets);
        this.learnNeighbours = spec.l3() == L3Mode.OVS_ONLY;
        ExactMatchCache.checkEntries(emcEntries);
        this.emcEntries = emcEntries;
        this.context = ThreadLocal.withInitial(this::newContext);
    }

    /**
     * A flood leaves by every port of the VLAN but the ingress one, and a {@link Verdict} holds
     * {@link Verdict#MAX_OUTPUTS}: a larger VLAN would silently miss ports on every flood.
     */
    private static void checkFloodsFit(VlanPorts vlanPorts) {
        for (int vlan = 1; vlan < ParsedFrame.INVALID_VLAN; vlan++) {
            int ports = vlanPorts.ports(vlan).length;
            if (ports - 1 > Verdict.MAX_OUTPUTS) {
                throw new IllegalArgumentException("VLAN " + vlan + " has " + ports + " ports; a flood reaches at most "
                        + Verdict.MAX_OUTPUTS + " besides the ingress port, so a VLAN may have at most "
                        + (Verdict.MAX_OUTPUTS + 1));
            }
        }
    }

    @Override
    public PmdContext newContext() {
        PmdContext c = new PmdContext(emcEntries, program.tableCount(), program.flowCount());
        contexts.add(c);
        return c;
    }

    @Override
    public void process(int inPort, MemorySegment header, int headerLength, int frameLength, long nowNanos,
                        Verdict verdict) {
        PmdContext c = context.get();
        beginBurst(c, nowNanos);
        try {
            process(c, inPort, header, headerLength, frameLength, nowNanos, verdict);
        } finally {
            endBurst(c);
        }
    }

    /**
     * Runs a due ageing sweep, then reads the tables' generations for the burst: its EMC lookups
     * and inserts use them, so a change made by another thread meanwhile costs this burst at most
     * a stale cached decision and later a miss; this thread's own learning re-reads them at once.
     */
    @Override
    public void beginBurst(PmdContext c, long nowNanos) {
        fdb.maybeExpire(nowNanos);
        neighbours.maybeExpire(nowNanos);
        c.fdbGeneration = fdb.generation();
        c.neighbourGeneration = neighbours.generation();
        c.startBurst();
    }

    @Override
    public void endBurst(PmdContext c) {
        c.flushBurst();
    }

    @Override
    public void process(PmdContext c, int inPort, MemorySegment header, int headerLength, int frameLength, long nowNanos,
                        Verdict verdict) {
        c.burstFrames++;
        // Cleared first: a frame that fails part way leaves nothing for the next one to repeat.
        boolean repeatable = c.verdictRepeatable;
        c.verdictRepeatable = false;
        ParsedFrame f = c.frame;
        if (inPort < 0 || inPort >= portCount || !f.parse(header, headerLength, frameLength)
                || Ethernet.isMulticast(f.ethSource())) {
            drop(c, verdict, DropReason.MALFORMED);
            boolean known = inPort >= 0 && inPort < portCount;
            RateLimitedLog log = malformedLogs[known ? inPort : portCount];
            if (log.allow()) {
                LOG.warn("dropped a malformed frame from port {} ({} bytes, {} captured) ({} similar suppressed)",
                        known ? spec.ports().get(inPort).name() : "#" + inPort, frameLength, headerLength, log.takeSuppressed());
            }
            return;
        }
        Resolution r = c.resolution;
        boolean repeat = false;
        if (!cacheable) {
            // A flow matches a field outside the cache key: equal keys may translate differently.
            c.countRun();
            c.count(PipelineCounter.EMC_MISSES);
            c.translation.start(f, inPort, nowNanos, r);
            program.translate(c.translation, c.tableLookups, c.tableMatches);
        } else if (c.sameKey(inPort, f)) {
            // The previous frame's key, tables unchanged: r holds its resolution, which the cache
            // would return again (counted as the cache hit it is), and if the previous frame's
            // verdict came from it alone, this frame's is the same one.
            c.burstEmcHits++;
            repeat = repeatable;
        } else {
            c.countRun();
            long fdbGeneration = c.fdbGeneration;
            long neighbourGeneration = c.neighbourGeneration;
            if (c.emc.lookup(inPort, f, fdbGeneration, neighbourGeneration, r)) {
                c.burstEmcHits++;
            } else {
                c.count(PipelineCounter.EMC_MISSES);
                c.translation.start(f, inPort, nowNanos, r);
                program.translate(c.translation, c.tableLookups, c.tableMatches);
                c.emc.insert(inPort, f, fdbGeneration, neighbourGeneration, r);
            }
            c.remember(inPort, f);
        }
        c.run++;
        int vlan = r.ingressVlan();
        if (vlan != 0) {
            learnStation(c, vlan, f.ethSource(), inPort, nowNanos);
            if (learnNeighbours && f.isArp()) {
                learnNeighbour(c, vlan, f, nowNanos);
            } else if (learnNeighbours && f.isIpv4()) {
                refreshNeighbour(c, vlan, f.ipSource(), f.ethSource(), nowNanos);
            }
        }
        if (repeat && !(r.decrementTtl() && f.ttl() <= 1)) {
            verdict.repeatPrevious();
            c.verdictRepeatable = true;
            return;
        }
        Reply reply = executor.execute(r, f, header, inPort, verdict);
        switch (reply) {
            case ARP_REPLY -> c.count(PipelineCounter.ARP_REPLIES);
            case ECHO_REPLY -> c.count(PipelineCounter.ECHO_REPLIES);
            case TIME_EXCEEDED -> c.count(PipelineCounter.TIME_EXCEEDED_SENT);
            case NONE -> { }
        }
        if (verdict.drop() != DropReason.NONE) {
            c.drops.increment(verdict.drop().ordinal());
        }
        // What the executor made of r alone: a TTL about to expire, a gateway's answer or a drop
        // are decided per frame (and counted per frame), so a verdict with one is never repeated.
        c.verdictRepeatable = cacheable && reply == Reply.NONE && verdict.drop() == DropReason.NONE && !r.gateway();
    }

    /**
     * Learns {@code mac} on {@code vlan} at {@code inPort}, unless the burst's previous frame already
     * did (same station, same timestamp: learning it again would change nothing).
     */
    private void learnStation(PmdContext c, int vlan, long mac, int inPort, long nowNanos) {
        if (vlan == c.learnedVlan && mac == c.learnedMac && inPort == c.learnedPort) {
            return;
        }
        if (changed(fdb.learn(vlan, mac, inPort, nowNanos))) {
            c.fdbGeneration = fdb.generation();
        }
        c.learnedVlan = vlan;
        c.learnedMac = mac;
        c.learnedPort = inPort;
    }

    /** Refreshes the neighbour {@code ip} at {@code mac}, once per burst and neighbour (as {@link #learnStation}). */
    private void refreshNeighbour(PmdContext c, int vlan, int ip, long mac, long nowNanos) {
        if (vlan == c.refreshedVlan && ip == c.refreshedIp && mac == c.refreshedMac) {
            return;
        }
        neighbours.refresh(vlan, ip, mac, nowNanos);
        c.refreshedVlan = vlan;
        c.refreshedIp = ip;
        c.refreshedMac = mac;
    }

    private void learnNeighbour(PmdContext c, int vlan, ParsedFrame f, long nowNanos) {
        int ip = f.arpSenderIp();
        if (ip == 0) {
            return; // an ARP probe (RFC 5227) claims no address yet
        }
        if (!subnets.isHostOf(vlan, ip)) {
            c.count(PipelineCounter.NEIGHBOURS_REFUSED);
            return;
        }
        LearningTable.Learned learned = neighbours.learn(vlan, ip, f.arpSenderMac(), nowNanos);
        if (learned == LearningTable.Learned.REFUSED) {
            c.count(PipelineCounter.NEIGHBOURS_REFUSED);
        } else if (changed(learned)) {
            c.neighbourGeneration = neighbours.generation();
        }
    }

    /**
     * Whether learning bumped the table's generation: the burst's copy must follow, or this
     * thread's next frames could hit cached decisions made before its own change.
     */
    private static boolean changed(LearningTable.Learned learned) {
        return learned == LearningTable.Learned.ADDED || learned == LearningTable.Learned.MOVED;
    }

    private static void drop(PmdContext c, Verdict verdict, DropReason reason) {
        verdict.drop(reason);
        c.drops.increment(reason.ordinal());
    }

    /**
     * Takes over the learned stations (and, with ovs-only, neighbours) of {@code previous} whose
     * port stays and still carries their VLAN, with their ages: a removed port's entries are
     * not carried, so nothing learned sends a frame to it.
     */
    @Override
    public void adoptLearned(FramePipeline previous, int[] newIndexOfOld) {
        if (!(previous instanceof OvsPipeline before)) {
            return;
        }
        before.foldPrevious();
        synchronized (this) {
            this.previous = before;
        }
        long now = System.nanoTime();
        for (FdbEntry e : before.fdb.snapshot(now)) {
            int port = e.port() >= 0 && e.port() < newIndexOfOld.length ? newIndexOfOld[e.port()] : -1;
            if (port >= 0 && spec.ports().get(port).vlan().carries(e.vlan())) {
                fdb.learn(e.vlan(), e.mac(), port, now - e.age().toNanos());
            }
        }
        if (learnNeighbours) {
            for (NeighbourEntry n : before.neighbours.snapshot(now)) {
                if (!n.isStatic() && subnets.isHostOf(n.vlan(), n.ip())) {
                    neighbours.learn(n.vlan(), n.ip(), n.mac(), now);
                }
            }
        }
    }

    /**
     * The pipeline before {@code this}'s predecessor has stopped for good (reconfigurations are one
     * at a time): its OpenFlow flow counts become fixed figures, so the chain stays two long.
     */
    private synchronized void foldPrevious() {
        if (previous != null) {
            previous.controllerPackets().forEach((k, v) -> carriedPackets.merge(k, v, Long::sum));
            previous = null;
        }
    }

    /**
     * Packets per OpenFlow flow (by {@link ControllerFlows.Rule#counterKey()}), including what the
     * pipelines this one replaced counted for the same flows: a FLOW_MOD or a reload does not
     * reset the counts of the flows it leaves in place.
     */
    public synchronized Map<Object, Long> controllerPackets() {
        Map<Object, Long> out = new HashMap<>(carriedPackets);
        program.controllerPackets(flowPackets()).forEach((k, v) -> out.merge(k, v, Long::sum));
        if (previous != null) {
            previous.controllerPackets().forEach((k, v) -> out.merge(k, v, Long::sum));
        }
        java.util.Set<Object> installed = new java.util.HashSet<>();
        controllerFlows.rules().forEach(r -> installed.add(r.counterKey()));
        out.keySet().retainAll(installed);
        return out;
    }

    /** Exact-match cache entries per PMD thread (a pipeline built to replace this one keeps the size). */
    public int emcEntries() {
        return emcEntries;
    }

    /** The OpenFlow flows this pipeline was built with. */
    public ControllerFlows controllerFlows() {
        return controllerFlows;
    }

    /**
     * Lookups and matches of OpenFlow table {@code table} (program tables named {@code openflowN});
     * with no OpenFlow table in the program, table 0's catch-all NORMAL sees every admitted frame
     * the classify table does. Zero for a table the program lacks.
     */
    public TableStats openflowTable(int table) {
        String name = "openflow" + table;
        for (int t = 0; t < program.tableCount(); t++) {
            if (program.table(t).name().equals(name)) {
                return new TableStats(table, name, sum(c -> c.tableLookups, t), sum(c -> c.tableMatches, t));
            }
        }
        if (table == 0 && controllerFlows.onlyNormal()) {
            long classified = sum(c -> c.tableLookups, FlowProgramBuilder.TABLE_CLASSIFY);
            return new TableStats(0, name, classified, classified);
        }
        return new TableStats(table, name, 0, 0);
    }

    /** The spec this pipeline was built from. */
    public SwitchSpec spec() {
        return spec;
    }

    /** The learning table (for the port layer: flush a removed port's entries). */
    public Fdb fdbTable() {
        return fdb;
    }

    /** Forgets what was learned on {@code port} (it went away); cached decisions using it are invalidated. */
    public void portRemoved(int port) {
        fdb.flushPort(port);
    }

    /** Forgets every learned MAC ({@code ovs-appctl fdb/flush}); returns how many. */
    public int flushFdb() {
        return fdb.flush();
    }

    /** The FDB as the control interface shows it. */
    public List<FdbEntry> fdb() {
        return fdb(System.nanoTime());
    }

    /** The FDB with ages relative to {@code nowNanos} (the clock the frames were processed with). */
    public List<FdbEntry> fdb(long nowNanos) {
        return fdb.snapshot(nowNanos);
    }

    /** The routes per VLAN (ovs-only; empty otherwise). */
    public List<RouteEntry> routes() {
        return routes;
    }

    /** Static and learned neighbours. */
    public List<NeighbourEntry> neighbours() {
        return neighbours(System.nanoTime());
    }

    /** Static and learned neighbours alive at {@code nowNanos}. */
    public List<NeighbourEntry> neighbours(long nowNanos) {
        return neighbours.snapshot(nowNanos);
    }

    /** The flow program with packet counts, one line per flow as {@code ovs-ofctl dump-flows}. */
    public List<String> flows() {
        return program.dump(flowPackets());
    }

    private long[] flowPackets() {
        long[] packets = new long[program.flowCount()];
        for (PmdContext c : contexts) {
            for (int i = 0; i < packets.length; i++) {
                packets[i] += c.flowPackets.get(i);
            }
        }
        return packets;
    }

    /** How many flows table {@code table} holds (OpenFlow's active count), 0 for a table the program lacks. */
    public int flowsIn(int table) {
        return table >= 0 && table < program.tableCount() ? program.table(table).entries().size() : 0;
    }

    /** Per-table lookups (cache misses that reached it) and matches. */
    public List<TableStats> tables() {
        List<TableStats> out = new ArrayList<>();
        for (int t = 0; t < program.tableCount(); t++) {
            out.add(new TableStats(t, program.table(t).name(), sum(c -> c.tableLookups, t), sum(c -> c.tableMatches, t)));
        }
        return out;
    }

    /** Frames dropped per reason (every reason present, zero included). */
    public Map<DropReason, Long> drops() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            if (r != DropReason.NONE) {
                out.put(r, sum(c -> c.drops, r.ordinal()));
            }
        }
        return out;
    }

    /** Frames dropped for {@code reason} so far. */
    public long drops(DropReason reason) {
        return sum(c -> c.drops, reason.ordinal());
    }

    /** One of the pipeline's counters, summed over threads. */
    public long counter(PipelineCounter counter) {
        return sum(c -> c.counters, counter.ordinal());
    }

    private long sum(Function<PmdContext, Counters> row, int index) {
        long total = 0;
        for (PmdContext c : contexts) {
            total += row.apply(c).get(index);
        }
        return total;
    }
}
