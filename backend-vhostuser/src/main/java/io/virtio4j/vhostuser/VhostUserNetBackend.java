package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.CallRelay;
import io.virtio4j.vhostuser.protocol.FrontendHandshake;
import io.virtio4j.vhostuser.transport.Connector;
import io.virtio4j.vhostuser.transport.HangupWatch;
import io.virtio4j.vhostuser.transport.UnixListener;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetDataPlane;

import static io.virtio4j.api.feature.VirtioFeature.NET_CSUM;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_CSUM;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_ECN;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_TSO4;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_TSO6;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_UFO;
import static io.virtio4j.api.feature.VirtioFeature.NET_HOST_ECN;
import static io.virtio4j.api.feature.VirtioFeature.NET_HOST_TSO4;
import static io.virtio4j.api.feature.VirtioFeature.NET_HOST_TSO6;
import static io.virtio4j.api.feature.VirtioFeature.NET_HOST_UFO;
import static io.virtio4j.api.feature.VirtioFeature.NET_MRG_RXBUF;
import static io.virtio4j.api.feature.VirtioFeature.RING_EVENT_IDX;
import static io.virtio4j.api.feature.VirtioFeature.RING_INDIRECT_DESC;
import static io.virtio4j.api.feature.VirtioFeature.RING_PACKED;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;

/**
 * The {@code vhost-user:} backend: this process is the vhost-user front-end and hands the device's
 * data queues to a back-end in another process, which maps the guest memory and runs the rings.
 *
 * <p>A supervisor thread owns the connection's life: it gets a connection (client mode: connects,
 * retrying every {@code reconnect}; server mode: accepts), negotiates once per connection, and
 * then waits for the back-end to hang up. {@link #start} hands the rings over on the current
 * connection (or, with none yet, the supervisor does as soon as one comes); {@link #stop} takes
 * them back with GET_VRING_BASE. A back-end that goes away while started is logged and counted,
 * and the next connection gets the whole hand-over again, each split ring resuming from the used
 * index the lost back-end left in guest memory: what it completed, as QEMU restores a vhost-user
 * ring after a back-end restart. A packed ring (VIRTIO_F_RING_PACKED) has no used index in memory
 * and its position cannot be read back from the descriptor flags, so the lost back-end took it
 * along: the new one gets nothing, each data queue is reported broken to the device
 * (DEVICE_NEEDS_RESET), and the driver's reset starts fresh rings on it, dropping what was in flight
 * (as DPDK's virtio_user resets its packed rings when its back-end comes back). The socket I/O of
 * negotiation and hand-over runs under one lock, so start, stop and a reconnect never interleave
 * messages.
 */
public final class VhostUserNetBackend implements NetBackend {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserNetBackend.class);
    // One limiter per kind, shared by every port: a back-end that flaps cannot hide another's handshake failure.
    private static final RateLimitedLog BASE_LOST = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog BAD_BASE = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog POSITION_LOST = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog HANDSHAKE_FAILED = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog DISCONNECTED = new RateLimitedLog(LOG, 1_000_000_000L);
    /** INFO lines of one kind a back-end writes at once before its limit: a few restarts in a row each get theirs. */
    static final int NOTE_BURST = 5;
    /** Once a burst is spent, one line of a kind per {@code NOTE_INTERVAL_NANOS / NOTE_BURST} (2 s). */
    private static final long NOTE_INTERVAL_NANOS = 10_000_000_000L;

    /**
     * Feature bits the back-end implements and the device may offer only if it does: the ring
     * formats (packed rings among them, unless {@link FrontendConfig#packedRings} is off), mergeable
     * buffers and the frame offloads. The rest (MAC, MTU, status, control queue, MQ) are the device
     * model's, never sent to the back-end, as QEMU filters them.
     */
    public static final long CARRIED_FEATURES = Features.of(VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC, RING_PACKED, NET_MRG_RXBUF,
            NET_CSUM, NET_GUEST_CSUM, NET_HOST_TSO4, NET_HOST_TSO6, NET_HOST_ECN, NET_HOST_UFO, NET_GUEST_TSO4,
            NET_GUEST_TSO6, NET_GUEST_ECN, NET_GUEST_UFO);

    /**
     * What {@link #supportedFeatures()} answers before any back-end has connected: what every
     * vhost-user net back-end we know offers (ours, DPDK's, OVS-DPDK's). A back-end that lacks one the
     * driver then negotiated refuses the hand-over, and the start fails with that named. Packed rings
     * are not assumed: a device built before its back-end connected offers split rings only.
     */
    public static final long ASSUMED_FEATURES = Features.of(VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC, NET_MRG_RXBUF);

    private final FrontendConfig config;
    private final Connector connector;
    private final HangupWatch watch;
    private final FrontendCounters counters = new FrontendCounters();
    // Per back-end (its socket path), so a back-end that flaps writes a burst of INFO lines, then one
    // every 2 s with the count suppressed, and cannot silence another port's notes.
    private final RateLimitedLog connectedNotes = new RateLimitedLog(LOG, NOTE_INTERVAL_NANOS, NOTE_BURST);
    private final RateLimitedLog handedOverNotes = new RateLimitedLog(LOG, NOTE_INTERVAL_NANOS, NOTE_BURST);
    private final RateLimitedLog waitingNotes = new RateLimitedLog(LOG, NOTE_INTERVAL_NANOS, NOTE_BURST);
    private final Thread supervisor;
    private final Object lock = new Object();
    private volatile boolean closing;
    /** The connection the supervisor watches, for close to shut down without the lock. */
    private volatile VhostUserFrontend current;

    /**
     * What the connected back-end negotiated, or null. Written under lock, read without it, so
     * {@link #connected} and {@link #supportedFeatures} never wait behind a handshake a back-end
     * that accepted but does not answer holds open.
     */
    private volatile FrontendHandshake.Negotiated negotiated;

    // Guarded by lock.
    private VhostUserFrontend connection;
    private NetDataPlane plane;
    private long features;
    private CallRelay relay;
    private List<VringHandover> rings;
    private boolean handedOver;
    /** Whether the rings of this start went to some back-end already (then a new one resumes from the used rings). */
    private boolean delivered;
    private boolean closed;

    private VhostUserNetBackend(FrontendConfig config, Connector connector, HangupWatch watch) {
        this.config = config;
        this.connector = connector;
        this.watch = watch;
        this.supervisor = Thread.ofPlatform().name("vhost-user-frontend " + config.path()).daemon().unstarted(this::supervise);
    }

    /** Binds the socket (server mode) and starts looking for the back-end. */
    public static VhostUserNetBackend open(FrontendConfig config) {
        HangupWatch watch = new HangupWatch(Platform.linux());
        Connector connector;
        try {
            connector = config.mode() == FrontendConfig.Mode.SERVER
                    ? Connector.accepting(UnixListener.bind(config.path()), config.reconnect())
                    : Connector.connecting(config.path(), config.reconnect());
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        VhostUserNetBackend backend = new VhostUserNetBackend(config, connector, watch);
        backend.supervisor.start();
        return backend;
    }

    @Override
    public String name() {
        return VhostUserBackendProvider.NAME;
    }

    /**
     * The back-end's offer (GET_FEATURES) limited to {@link #CARRIED_FEATURES} when connected, else
     * {@link #ASSUMED_FEATURES}; without RING_PACKED when the configuration turns packed rings off.
     */
    @Override
    public long supportedFeatures() {
        FrontendHandshake.Negotiated n = negotiated;
        long carried = n == null ? ASSUMED_FEATURES : n.offeredFeatures() & CARRIED_FEATURES;
        return config.packedRings() ? carried : carried & ~RING_PACKED.mask();
    }

    @Override
    public int maxQueuePairs() {
        return config.queuePairs();
    }

    /** Whether a back-end is connected and negotiated. */
    public boolean connected() {
        return negotiated != null;
    }

    /** Whether the rings are with a back-end now (started, and handed over on the current connection). */
    public boolean handedOver() {
        synchronized (lock) {
            return handedOver;
        }
    }

    /** This backend's connection, hand-over and relay counters. */
    public FrontendCounters counters() {
        return counters;
    }

    /**
     * Hands the plane's queues to the back-end if one is connected, else as soon as one connects.
     *
     * @throws VhostUserException if the guest memory is not fd-backed, a kick has no fd, there are
     *                            more queue pairs than configured, or the connected back-end refuses
     */
    @Override
    public void start(NetDataPlane plane) {
        synchronized (lock) {
            if (closed) {
                throw VhostUserException.rejected("vhost-user " + config.path() + ": backend is closed");
            }
            if (this.plane != null) {
                throw VhostUserException.rejected("vhost-user " + config.path() + ": already started");
            }
            check(plane);
            CallRelay newRelay = CallRelay.start(plane.queues(), "vhost-user-calls " + config.path(), counters.counter(FrontendCounter.RELAYED_INTERRUPTS));
            List<VringHandover> newRings = new ArrayList<>();
            try {
                for (int i = 0; i < plane.queues().size(); i++) {
                    DataQueue q = plane.queues().get(i);
                    newRings.add(new VringHandover(q.index(), q.layout(), q.availIdx(), q.kick().fd(), newRelay.callFd(i, q)));
                }
            } catch (IllegalArgumentException e) {
                newRelay.close();
                throw VhostUserException.rejected("vhost-user " + config.path() + ": " + e.getMessage());
            }
            this.plane = plane;
            this.features = plane.features() & CARRIED_FEATURES;
            this.relay = newRelay;
            this.rings = newRings;
            if (connection == null) {
                waitingNotes.info("vhost-user {}: no back-end yet; the rings go to the first that connects", config.path());
                return;
            }
            try {
                handOver(newRings);
            } catch (RuntimeException e) {
                release();
                throw e;
            }
        }
    }

    /** Refuses what a back-end in another process cannot use, naming it. */
    private void check(NetDataPlane plane) {
        GuestMemory memory = plane.memory();
        for (int i = 0; i < memory.regionCount(); i++) {
            GuestRegion r = memory.region(i);
            if (!r.shareable()) {
                throw VhostUserException.rejected("vhost-user " + config.path() + ": guest memory region at 0x"
                        + Long.toHexString(r.guestBase()) + " has no fd to share; back the guest with MemfdGuestMemory");
            }
        }
        if (!config.packedRings() && plane.has(RING_PACKED)) {
            throw VhostUserException.rejected("vhost-user " + config.path() + ": packed rings negotiated, but packed=false");
        }
        List<DataQueue> queues = plane.queues();
        if (queues.isEmpty() || queues.size() % 2 != 0 || queues.size() / 2 > config.queuePairs()) {
            throw VhostUserException.rejected("vhost-user " + config.path() + ": " + queues.size() + " data queues; 1.."
                    + config.queuePairs() + " pairs configured");
        }
        for (DataQueue q : queues) {
            if (q.kick().fd() < 0) {
                throw VhostUserException.rejected("vhost-user " + config.path() + ": queue " + q.index()
                        + "'s kick has no fd to hand over; use an EventfdNotifier");
            }
        }
    }

    /** Under lock: the whole hand-over on the current connection. */
    private void handOver(List<VringHandover> handed) {
        try {
            FrontendHandshake.handOver(connection, negotiated, features, plane.memory(), handed);
        } catch (RuntimeException e) {
            counters.count(FrontendCounter.FAILED_HANDSHAKES);
            throw e;
        }
        handedOver = true;
        delivered = true;
        counters.count(FrontendCounter.HANDOVERS);
        handedOverNotes.info("vhost-user {}: {} rings handed over, features 0x{}", config.path(), handed.size(),
                Long.toHexString(features));
    }

    /**
     * Takes the rings back: GET_VRING_BASE each on the connection that has them; without one (the
     * back-end went away), or for a ring whose answer names no position on it (counted), where the
     * front-end would resume it ({@link #resumePosition}).
     */
    @Override
    public int[] stop() {
        synchronized (lock) {
            if (plane == null) {
                throw VhostUserException.rejected("vhost-user " + config.path() + ": stop without start");
            }
            int[] bases = null;
            if (handedOver && connection != null) {
                try {
                    bases = FrontendHandshake.takeBack(connection, rings);
                } catch (VhostUserException e) {
                    BASE_LOST.warn("vhost-user {}: GET_VRING_BASE failed ({}); taking the rings back at the used indices"
                            + " (split) or where they were handed over (packed)", config.path(), e.getMessage());
                }
            }
            if (bases == null) {
                bases = resumePositions(rings);
            } else {
                checkBases(bases);
            }
            release();
            return bases;
        }
    }

    /** Under lock: forgets the plane and stops relaying interrupts. */
    private void release() {
        relay.close();
        relay = null;
        plane = null;
        rings = null;
        handedOver = false;
        delivered = false;
    }

    /** Under lock: replaces each GET_VRING_BASE answer that names no position on its ring, counting it. */
    private void checkBases(int[] bases) {
        for (int i = 0; i < bases.length; i++) {
            VringHandover r = rings.get(i);
            if (!VringHandover.isPosition(r.layout(), bases[i])) {
                counters.count(FrontendCounter.BAD_RING_BASES);
                int instead = resumePosition(r);
                if (BAD_BASE.allow()) {
                    LOG.warn("vhost-user {}: GET_VRING_BASE for ring {} answered 0x{}, no slot of its {} descriptors; taking"
                            + " 0x{} instead ({} similar suppressed)", config.path(), r.index(), Integer.toHexString(bases[i]),
                            r.layout().size(), Integer.toHexString(instead), BAD_BASE.takeSuppressed());
                }
                bases[i] = instead;
            }
        }
    }

    /** Under lock: {@link #resumePosition} of each ring. */
    private int[] resumePositions(List<VringHandover> handed) {
        int[] positions = new int[handed.size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = resumePosition(handed.get(i));
        }
        return positions;
    }

    /**
     * Under lock: where a ring resumes without its back-end's word. Split: the used index in guest
     * memory, what the back-end completed. Packed: the position it was last handed over at, the
     * last one the front-end knows (there is no used index in memory; QEMU keeps its own too).
     * In bounds: the device validated every ring against the memory, so a split ring's used idx
     * (offset 2 of the used ring) is mapped.
     */
    private int resumePosition(VringHandover ring) {
        if (ring.layout().packed()) {
            return ring.base();
        }
        return Short.toUnsignedInt(plane.memory().readShort(ring.layout().usedAddr() + 2));
    }

    /** The supervisor: connect, negotiate (and hand over if started), wait for the hang-up, again. */
    private void supervise() {
        while (!closing) {
            UnixSocket socket = connector.await();
            if (socket == null) {
                return;
            }
            VhostUserFrontend fe = VhostUserFrontend.over(socket);
            current = fe;
            try {
                socket.receiveTimeout(config.replyTimeout());
            } catch (VhostUserException e) {
                LOG.warn("vhost-user {}: cannot set a reply timeout ({}); replies are awaited without one",
                        config.path(), e.getMessage());
            }
            if (closing || !adopt(fe)) {
                drop(fe, false);
                connector.pause();
                continue;
            }
            boolean hungUp;
            try {
                hungUp = watch.await(socket.fd());
            } catch (RuntimeException e) {
                hungUp = true; // the socket cannot be watched: treat it as gone and reconnect
            }
            drop(fe, hungUp);
        }
    }

    /** Negotiates on a new connection and, if started, hands the rings over from their used indices. */
    private boolean adopt(VhostUserFrontend fe) {
        synchronized (lock) {
            try {
                negotiated = FrontendHandshake.negotiate(fe);
            } catch (RuntimeException e) {
                if (!closing) {
                    counters.count(FrontendCounter.FAILED_HANDSHAKES);
                }
                return forget(e);
            }
            connection = fe;
            counters.count(FrontendCounter.CONNECTIONS);
            connectedNotes.info("vhost-user {}: back-end connected, offers 0x{}, {} queue pair(s)", config.path(),
                    Long.toHexString(negotiated.offeredFeatures()), negotiated.queuePairs());
            if (plane != null) {
                if (delivered && plane.has(RING_PACKED)) {
                    positionsLost();
                    return true; // the connection stays: the driver's reset hands it fresh rings
                }
                try {
                    // The first back-end of this start begins where the device said; a later one where
                    // the lost one left the used rings.
                    handOver(delivered ? resumed(rings) : rings); // counts its own failure
                } catch (RuntimeException e) {
                    return forget(e);
                }
            }
            return true;
        }
    }

    /** Under lock: a connection whose handshake failed is not ours; false, for adopt to return. */
    private boolean forget(RuntimeException e) {
        if (!closing) {
            HANDSHAKE_FAILED.warn("vhost-user {}: handshake failed: {}", config.path(), e.getMessage());
        }
        connection = null;
        negotiated = null;
        handedOver = false;
        return false;
    }

    /** Under lock: the split rings as handed over before, each from the used index the lost back-end left. */
    private List<VringHandover> resumed(List<VringHandover> before) {
        List<VringHandover> after = new ArrayList<>(before.size());
        for (VringHandover r : before) {
            after.add(r.from(resumePosition(r)));
        }
        rings = after;
        return after;
    }

    /**
     * Under lock: a back-end went away while it had packed rings, and their positions with it.
     * Nothing in guest memory says where it stopped: a used descriptor overwrites the flags that
     * told how long its chain was, so a chain's remaining slots look just like slots made available
     * and not yet taken, and the position the front-end handed over is stale once the lost back-end
     * took a chain (handing it on would stall the ring, or replay slots the driver has refilled).
     * So every data queue is reported broken: the device sets DEVICE_NEEDS_RESET, and the driver's
     * reset gives the back-end fresh rings (slot 0, wrap counter 1), dropping what was in flight.
     */
    private void positionsLost() {
        for (VringHandover r : rings) {
            counters.count(FrontendCounter.LOST_RING_POSITIONS);
            plane.failures().queueBroken(r.index());
        }
        POSITION_LOST.warn("vhost-user {}: the back-end that went away had packed rings and their positions; the device"
                + " needs a reset to hand {} fresh rings to the new one", config.path(), rings.size());
    }

    private void drop(VhostUserFrontend fe, boolean hungUp) {
        synchronized (lock) {
            if (connection == fe) {
                connection = null;
                negotiated = null;
                handedOver = false;
                if (hungUp && !closing) {
                    counters.count(FrontendCounter.DISCONNECTS);
                    DISCONNECTED.warn("vhost-user {}: back-end disconnected{}; waiting for it to come back", config.path(),
                            plane != null ? " while started" : "");
                }
            }
            current = null;
            fe.close();
        }
    }

    /** Stops the supervisor, closes the connection (the back-end drops its mappings) and the socket. */
    @Override
    public void close() {
        // Before the lock: the supervisor may hold it in a handshake with a back-end that accepted
        // and never answers; shutting the socket down ends that read. The supervisor writes
        // current, then reads closing; this writes closing, then reads current: one of the two
        // sees the other.
        closing = true;
        VhostUserFrontend fe = current;
        if (fe != null) {
            fe.socket().shutdown(); // ends I/O the supervisor may be blocked in
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        connector.close();
        watch.wakeup();
        supervisor.interrupt();
        try {
            supervisor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            if (plane != null) {
                release();
            }
            if (connection != null) {
                connection.close();
                connection = null;
                negotiated = null;
            }
        }
        if (!supervisor.isAlive()) {
            watch.close();
        }
    }

    @Override
    public String toString() {
        return "vhost-user:" + config.path() + " (" + config.mode().name().toLowerCase(java.util.Locale.ROOT) + ") " + counters;
    }
}
