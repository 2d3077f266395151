package io.virtio4j.ovs.openflow;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.PortNumbers;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flows installed through OpenFlow, shared by every connection to one switch: FLOW_MOD's
 * commands applied to them (section 6.4), and the hand-over of the changed set to the data path.
 * A switch starts with one flow, {@code table=0, priority=0, actions=NORMAL}, which may be deleted
 * like any other.
 *
 * <p>Flows with an idle or hard timeout expire by a control-side sweep every half second
 * ({@link #sweep}); a flow removed by a timeout or a DELETE with OFPFF_SEND_FLOW_REM is told to
 * every connection with FLOW_REMOVED.
 *
 * <p>Changes are coalesced: the first change after a hand-over schedules the next one a few
 * milliseconds later, and a BARRIER_REQUEST hands over at once ({@link #flush}) before it is
 * answered, so a burst of FLOW_MODs costs one new program, and after the BARRIER_REPLY the data
 * path runs every flow sent before it. Thread-safe: connections serve on threads of their own.
 */
final class OfFlowTable {
    private static final Logger LOG = LoggerFactory.getLogger(OfFlowTable.class);
    private static final RateLimitedLog INSTALL_FAILED = new RateLimitedLog(LOG, 1_000_000_000L);
    /** Flows at most, all tables together (more: FLOW_MOD_FAILED/TABLE_FULL). */
    static final int MAX_FLOWS = 100_000;
    /** How long a change waits for more before it is handed over (a BARRIER does not wait). */
    static final long COALESCE_MILLIS = 3;
    /** How often timeouts are checked. */
    static final long SWEEP_MILLIS = 500;

    /** The table's timing and size (tests shorten or lengthen them). */
    record Limits(long coalesceMillis, long sweepMillis, int maxFlows) {
        static final Limits DEFAULT = new Limits(COALESCE_MILLIS, SWEEP_MILLIS, MAX_FLOWS);
    }

    private final Limits limits;

    private final PortNumbers ports;
    private final LongPredicate portExists;
    private final Consumer<ControllerFlows> installer;
    private final Supplier<Map<Object, Long>> packets;
    /**
     * The flows by (table, priority, match), in the order they were added (a replaced flow keeps
     * its place): an ADD finds the identical flow it replaces without a scan, so 100,000 flows
     * cost 100,000 lookups, not a scan each. Guarded by this.
     */
    private final Map<Identity, OfFlow> flows = new java.util.LinkedHashMap<>();

    /** What makes two flows the same flow (OpenFlow 1.3, 6.4): table, priority and match. */
    private record Identity(int table, int priority, OfMatch match) {
        static Identity of(OfFlow f) {
            return new Identity(f.table(), f.priority(), f.match());
        }
    }

    private void put(OfFlow f) {
        flows.put(Identity.of(f), f);
    }
    /** Per expiring flow's counter key: the packets last seen and when they last moved (guarded by this). */
    private final Map<Object, long[]> activity = new java.util.HashMap<>();
    /** The connections told of removed flows. */
    private final java.util.Set<Consumer<ByteBuffer>> listeners = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Guarded by this: the sweeper, started with the first expiring flow; closed by the agent. */
    private Thread sweeper;
    private boolean closed;
    /** Guarded by this: a change not handed over yet; a hand-over is scheduled. */
    private boolean dirty;
    private boolean scheduled;
    /** One hand-over at a time, in the order of the snapshots. */
    private final Object installLock = new Object();
    private final AtomicLong installs = new AtomicLong();
    private final AtomicLong installFailures = new AtomicLong();

    /**
     * @param ports      the switch's OpenFlow port numbers
     * @param portExists whether a number names a port of the switch now (an output must)
     * @param installer  hands a snapshot to the data path (a new program at a burst boundary)
     * @param packets    packets per flow counter key, as the data path counted them
     */
    OfFlowTable(PortNumbers ports, LongPredicate portExists, Consumer<ControllerFlows> installer,
                Supplier<Map<Object, Long>> packets) {
        this(ports, portExists, installer, packets, Limits.DEFAULT);
    }

    /** With other limits (tests lengthen the coalescing delay to see a BARRIER hand over alone). */
    OfFlowTable(PortNumbers ports, LongPredicate portExists, Consumer<ControllerFlows> installer,
                Supplier<Map<Object, Long>> packets, Limits limits) {
        this.limits = limits;
        this.ports = ports;
        this.portExists = portExists;
        this.installer = installer;
        this.packets = packets;
        put(defaultFlow());
    }

    /** The flow a switch starts with: table 0, priority 0, everything, actions=NORMAL. */
    private OfFlow defaultFlow() {
        ByteBuffer normal = OfWriter.body().u16(OfProtocol.IT_APPLY_ACTIONS).u16(24).zeros(4)
                .u16(OfProtocol.AT_OUTPUT).u16(16).u32(OfProtocol.PORT_NORMAL).u16(0).zeros(6).bytes();
        byte[] instructions = new byte[normal.remaining()];
        normal.get(instructions);
        OfInstructions.Decoded decoded = OfInstructions.decode(new OfReader(ByteBuffer.wrap(instructions),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_BAD_LEN), 0, io.virtio4j.ovs.flow.Match.all(), portExists);
        return new OfFlow(0, 0, OfMatch.any(), OfMatchCompiler.compile(OfMatch.any()), 0, 0, 0, 0, instructions, decoded,
                ControllerFlows.DEFAULT_KEY, System.nanoTime());
    }

    /**
     * Replaces every flow by the default NORMAL flow (fail-mode standalone, the last controller
     * gone) and hands the program over at once; FLOW_REMOVED is not sent (no controller hears it).
     */
    void restoreDefault() {
        synchronized (this) {
            flows.clear();
            activity.clear();
            put(defaultFlow());
            dirty = true;
        }
        flush();
    }

    /**
     * Applies one FLOW_MOD.
     *
     * @throws OfDecodeException the error the peer gets; then nothing changed
     */
    void apply(OfFlowMod mod) {
        boolean changed = switch (mod.command()) {
            case OfProtocol.FC_ADD -> add(mod);
            case OfProtocol.FC_MODIFY, OfProtocol.FC_MODIFY_STRICT -> modify(mod, mod.command() == OfProtocol.FC_MODIFY_STRICT);
            case OfProtocol.FC_DELETE, OfProtocol.FC_DELETE_STRICT -> delete(mod, mod.command() == OfProtocol.FC_DELETE_STRICT);
            default -> throw flowModFailed(OfProtocol.FMFC_BAD_COMMAND, "FLOW_MOD command " + mod.command() + " is not 0..4");
        };
        if (changed) {
            scheduleInstall();
        }
    }

    private synchronized boolean add(OfFlowMod mod) {
        checkTable(mod.table(), false);
        checkAddOrModify(mod);
        OfMatchCompiler.Compiled compiled = OfMatchCompiler.compile(mod.match());
        OfInstructions.Decoded decoded = OfInstructions.decode(mod.instructionReader(), mod.table(), compiled.match(), portExists);
        OfFlow f = flows.get(new Identity(mod.table(), mod.priority(), mod.match()));
        if (f != null) {
            // An identical flow is replaced; its counts go on unless RESET_COUNTS (section 6.4).
            Object key = (mod.flags() & OfProtocol.FF_RESET_COUNTS) != 0 ? new Object() : f.counterKey();
            OfFlow replacement = new OfFlow(mod.table(), mod.priority(), mod.match(), compiled, mod.cookie(), mod.flags(),
                    mod.idleTimeout(), mod.hardTimeout(), mod.instructions(), decoded, key, System.nanoTime());
            put(replacement);
            activity.remove(f.counterKey());
            dirty = true;
            if (replacement.expires()) {
                startSweeper();
            }
            return true;
        }
        if (flows.size() >= limits.maxFlows()) {
            throw flowModFailed(OfProtocol.FMFC_TABLE_FULL, "the switch holds " + limits.maxFlows() + " OpenFlow flows at most");
        }
        OfFlow added = new OfFlow(mod.table(), mod.priority(), mod.match(), compiled, mod.cookie(), mod.flags(),
                mod.idleTimeout(), mod.hardTimeout(), mod.instructions(), decoded, new Object(), System.nanoTime());
        put(added);
        dirty = true;
        if (added.expires()) {
            startSweeper();
        }
        return true;
    }

    private synchronized boolean modify(OfFlowMod mod, boolean strict) {
        checkTable(mod.table(), false);
        checkAddOrModify(mod);
        List<OfFlow> targets = new ArrayList<>();
        for (OfFlow f : flows.values()) {
            if (f.table() == mod.table() && selected(f, mod, strict)) {
                // Decoded against each flow's own match (dec_nw_ttl needs IPv4): all or nothing.
                OfInstructions.Decoded decoded = OfInstructions.decode(mod.instructionReader(), f.table(),
                        f.compiled().match(), portExists);
                targets.add(f.withInstructions(mod.instructions(), decoded, (mod.flags() & OfProtocol.FF_RESET_COUNTS) != 0));
            }
        }
        targets.forEach(this::put); // same identity: each keeps its place
        dirty |= !targets.isEmpty();
        return !targets.isEmpty();
    }

    private boolean delete(OfFlowMod mod, boolean strict) {
        List<OfFlow> gone = new ArrayList<>();
        synchronized (this) {
            checkTable(mod.table(), true);
            flows.values().removeIf(f -> {
                boolean selected = (mod.table() == OfProtocol.TABLE_ALL || f.table() == mod.table())
                        && selected(f, mod, strict) && f.outputsTo(mod.outPort()) && mod.outGroup() == OfProtocol.GROUP_ANY;
                if (selected) {
                    gone.add(f);
                    activity.remove(f.counterKey());
                }
                return selected;
            });
            dirty |= !gone.isEmpty();
        }
        // Not handed over yet: the data path still counts them.
        notifyRemoved(gone, OfProtocol.RR_DELETE, gone.stream().anyMatch(OfFlow::notifiesRemoval) ? packets.get() : Map.of());
        return !gone.isEmpty();
    }

    /** FLOW_REMOVED with {@code reason} to every connection, for the flows that asked for it (OFPFF_SEND_FLOW_REM). */
    private void notifyRemoved(List<OfFlow> gone, int reason, Map<Object, Long> counts) {
        long now = System.nanoTime();
        for (OfFlow f : gone) {
            if (f.notifiesRemoval()) {
                broadcast(f.removed(reason, counts.getOrDefault(f.counterKey(), 0L), now));
            }
        }
    }

    /** Sends {@code message} (FLOW_REMOVED, PACKET_IN) to every connection that agreed on a version. */
    void broadcast(ByteBuffer message) {
        for (Consumer<ByteBuffer> l : listeners) {
            try {
                l.accept(message.duplicate());
            } catch (RuntimeException e) {
                // That connection's write failed: it ends on its own thread; the others still hear.
                INSTALL_FAILED.warn("openflow: a message could not be sent to a connection: {}", e.toString());
            }
        }
    }

    /** Whether any connection would hear a {@link #broadcast}. */
    boolean anyListener() {
        return !listeners.isEmpty();
    }

    /** A connection that agreed on a version hears of removed flows (FLOW_REMOVED) until {@link #unlisten}. */
    void listen(Consumer<ByteBuffer> connection) {
        listeners.add(connection);
    }

    void unlisten(Consumer<ByteBuffer> connection) {
        listeners.remove(connection);
    }

    /**
     * Expires flows whose hard timeout passed or that counted no packet for their idle timeout
     * (their packet counts are read here, on the control side: nothing is added per frame; so an
     * idle flow is noticed within a sweep of its timeout), hands the rest to the data path and
     * tells the connections (FLOW_REMOVED) of those that asked.
     */
    void sweep(long nowNanos) {
        Map<Object, Long> counts = packets.get();
        List<OfFlow> idle = new ArrayList<>();
        List<OfFlow> hard = new ArrayList<>();
        synchronized (this) {
            flows.values().removeIf(f -> {
                if (!f.expires()) {
                    return false;
                }
                long seen = counts.getOrDefault(f.counterKey(), 0L);
                // A new flow has counted nothing at its install time; its first packets make it active.
                long[] last = activity.computeIfAbsent(f.counterKey(), k -> new long[] {0, f.installedNanos()});
                if (seen != last[0]) {
                    last[0] = seen;
                    last[1] = nowNanos;
                }
                if (f.hardTimeout() != 0 && nowNanos - f.installedNanos() >= f.hardTimeout() * 1_000_000_000L) {
                    hard.add(f);
                } else if (f.idleTimeout() != 0 && nowNanos - last[1] >= f.idleTimeout() * 1_000_000_000L) {
                    idle.add(f);
                } else {
                    return false;
                }
                activity.remove(f.counterKey());
                return true;
            });
            dirty |= !idle.isEmpty() || !hard.isEmpty();
        }
        if (!idle.isEmpty() || !hard.isEmpty()) {
            flush();
            // With the counts read before the hand-over (the new program no longer counts them).
            notifyRemoved(hard, OfProtocol.RR_HARD_TIMEOUT, counts);
            notifyRemoved(idle, OfProtocol.RR_IDLE_TIMEOUT, counts);
        }
    }

    private synchronized void startSweeper() {
        if (sweeper != null || closed) {
            return;
        }
        sweeper = Thread.ofPlatform().name("virtio4j-openflow-timeouts").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(limits.sweepMillis());
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    sweep(System.nanoTime());
                } catch (RuntimeException e) {
                    INSTALL_FAILED.warn("openflow: the timeout sweep failed: {}", e.toString());
                }
            }
        });
    }

    /** Stops the timeout sweeper (the agent closes). */
    void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = sweeper;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The cookie filter, then the strict (same priority, same match) or non-strict (within the match) selection. */
    private static boolean selected(OfFlow f, OfFlowMod mod, boolean strict) {
        if (!mod.cookieMatches(f.cookie())) {
            return false;
        }
        return strict ? f.priority() == mod.priority() && f.match().equals(mod.match()) : f.match().within(mod.match());
    }

    private static void checkTable(int table, boolean allowAll) {
        if (!(table < ControllerFlows.TABLES || allowAll && table == OfProtocol.TABLE_ALL)) {
            throw flowModFailed(OfProtocol.FMFC_BAD_TABLE_ID, "table " + table + " is not 0.." + (ControllerFlows.TABLES - 1));
        }
    }

    /** What ADD and MODIFY refuse whatever the flow: flags and buffers not served. */
    private static void checkAddOrModify(OfFlowMod mod) {
        int known = OfProtocol.FF_SEND_FLOW_REM | OfProtocol.FF_CHECK_OVERLAP | OfProtocol.FF_RESET_COUNTS
                | OfProtocol.FF_NO_PKT_COUNTS | OfProtocol.FF_NO_BYT_COUNTS;
        if ((mod.flags() & ~known) != 0 || (mod.flags() & OfProtocol.FF_CHECK_OVERLAP) != 0) {
            throw flowModFailed(OfProtocol.FMFC_BAD_FLAGS, "flags 0x" + Integer.toHexString(mod.flags())
                    + ": CHECK_OVERLAP is not supported");
        }
        if (mod.bufferId() != OfProtocol.NO_BUFFER) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BUFFER_UNKNOWN, "no frame is buffered (buffer_id "
                    + Long.toUnsignedString(mod.bufferId()) + ")");
        }
    }

    private static OfDecodeException flowModFailed(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_FLOW_MOD_FAILED, code, why);
    }

    /** The flows a FLOW or AGGREGATE request selects (non-strict), in the order they were added. */
    synchronized List<OfFlow> select(int table, long outPort, long outGroup, long cookie, long cookieMask, OfMatch match) {
        List<OfFlow> out = new ArrayList<>();
        for (OfFlow f : flows.values()) {
            if ((table == OfProtocol.TABLE_ALL || f.table() == table) && f.outputsTo(outPort)
                    && outGroup == OfProtocol.GROUP_ANY && (f.cookie() & cookieMask) == (cookie & cookieMask)
                    && f.match().within(match)) {
                out.add(f);
            }
        }
        return out;
    }

    /** How many flows the table holds at most (all OpenFlow tables together). */
    int maxFlows() {
        return limits.maxFlows();
    }

    /** Flows in OpenFlow table {@code table}. */
    synchronized int count(int table) {
        return (int) flows.values().stream().filter(f -> f.table() == table).count();
    }

    /** Packets per counter key as the data path counted them (flows not handed over yet: none). */
    Map<Object, Long> packets() {
        return packets.get();
    }

    /** The flows as the data path is built with them. */
    synchronized ControllerFlows snapshot() {
        List<ControllerFlows.Rule> rules = new ArrayList<>();
        for (OfFlow f : flows.values()) {
            // output:CONTROLLER carries the flow's cookie into its PACKET_INs (a MODIFY keeps the cookie).
            List<io.virtio4j.ovs.flow.RuleAction> actions = f.decoded().actions().stream()
                    .map(x -> x instanceof io.virtio4j.ovs.flow.RuleAction.ToController c ? c.withCookie(f.cookie()) : x)
                    .toList();
            rules.add(new ControllerFlows.Rule(f.counterKey(), f.table(), f.priority(), f.compiled().inPort(),
                    f.compiled().match(), actions));
        }
        return new ControllerFlows(rules, ports);
    }

    private void scheduleInstall() {
        synchronized (this) {
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        Thread.ofPlatform().name("virtio4j-openflow-install").daemon().start(() -> {
            try {
                Thread.sleep(limits.coalesceMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                scheduled = false;
            }
            flush();
        });
    }

    /**
     * Hands the flows to the data path now if they changed since the last hand-over (a BARRIER
     * calls it before answering). A hand-over that fails (a PMD did not stop for it) is logged,
     * counted, and tried again by the next change or BARRIER; the data path keeps the flows it had.
     */
    void flush() {
        synchronized (installLock) {
            ControllerFlows snapshot;
            synchronized (this) {
                if (!dirty) {
                    return;
                }
                dirty = false;
                snapshot = snapshot();
            }
            try {
                installer.accept(snapshot);
                installs.incrementAndGet();
            } catch (RuntimeException e) {
                synchronized (this) {
                    dirty = true;
                }
                installFailures.incrementAndGet();
                INSTALL_FAILED.warn("openflow: the flows could not be handed to the data path (it keeps the previous"
                        + " ones; tried again at the next change or BARRIER): {}", e.getMessage());
            }
        }
    }

    /** Hand-overs done. */
    long installs() {
        return installs.get();
    }

    /** Hand-overs that failed. */
    long installFailures() {
        return installFailures.get();
    }
}
