package io.virtio4j.ovs.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.agrona.concurrent.status.CountersManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.counters.CounterSet;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.ovs.model.PortOffload;
import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.ovs.offload.FrameSink;
import io.virtio4j.ovs.offload.OffloadCheck;
import io.virtio4j.ovs.offload.OffloadError;
import io.virtio4j.ovs.offload.OffloadRefusals;
import io.virtio4j.ovs.offload.Offloads;
import io.virtio4j.ovs.offload.SoftwareOffload;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.GuestMemoryBudget;
import io.virtio4j.vhostuser.SessionLoop;
import io.virtio4j.vhostuser.net.HeldFrames;
import io.virtio4j.vhostuser.VhostUserClient;
import io.virtio4j.vhostuser.VhostUserCounter;
import io.virtio4j.vhostuser.VhostUserCounters;
import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.net.NetPortCounter;
import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.VhostUserServer;
import io.virtio4j.vring.ChainError;

/**
 * A vhost-user port in the back-end role: the switch listens on the socket (server mode) or
 * connects to a listening front-end and reconnects forever (client mode). Frames are read in place
 * from the front-end's TX rings (all queue pairs, held for the burst and released after it) and
 * written into its RX rings: a frame's flow hash picks the pair, so every running pair carries
 * traffic and a flow stays on one pair (no reordering). Each RX ring is taken once per burst.
 */
public final class VhostUserPort implements SwitchPort {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserPort.class);
    /** VIRTIO_NET_F_CSUM, HOST_TSO4, HOST_TSO6: a guest with any of them may send offloaded frames. */
    private static final long OFFLOAD_FEATURES = VirtioFeature.NET_CSUM.mask() | VirtioFeature.NET_HOST_TSO4.mask()
            | VirtioFeature.NET_HOST_TSO6.mask();
    private final PortSpec spec;
    private final VhostUserNetPort net;
    private final SessionLoop session;
    private final VhostUserCounters sessionCounters;
    /** The frames a burst hands out, one per slot, reused burst after burst. */
    private final GuestFrame[] frames = new GuestFrame[FrameBatch.SIZE];
    /** The TX pair the next {@link #receive} polls first (owned by the port's PMD thread). */
    private int nextFirstPair;
    /** The TX pairs the current burst holds, and per pair the held frames that could not be read. */
    private final int[] heldPairs;
    private int heldCount;
    private final int[] lost;
    /** Carries a SEND_RARP announcement into the burst (reused: one announcement per burst at most). */
    private final HostFrame announcement = new HostFrame();
    /** Per pair: the ring generation whose kick fd is registered, or -1. */
    private final long[] registered;
    /** Refused virtio-net headers by reason ({@code port:NAME:vnet_<reason>}). */
    private final OffloadRefusals offloadRefusals;
    /** Host copy of the frame's virtio-net header being checked, and the flyweight over it (PMD-owned). */
    private final MemorySegment vnetCopy = Arena.ofAuto().allocate(VirtioNetHeader.SIZE, 8);
    private final VirtioNetHeader vnet = new VirtioNetHeader().wrap(vnetCopy, 0);
    /** Where the software offload puts the complete frames it makes: into the RX pair it is given. */
    private final FrameSink fallbackSink = this::deliverComplete;
    private boolean closed;

    private VhostUserPort(PortSpec spec, VhostUserNetPort net, SessionLoop session, VhostUserCounters sessionCounters) {
        this.spec = spec;
        this.net = net;
        this.session = session;
        this.sessionCounters = sessionCounters;
        this.registered = new long[net.queuePairs()];
        java.util.Arrays.fill(registered, -1);
        this.heldPairs = new int[net.queuePairs()];
        this.lost = new int[net.queuePairs()];
        this.offloadRefusals = new OffloadRefusals(spec.name());
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new GuestFrame();
        }
    }

    /**
     * Opens the port of {@code spec} (type vhost-user-server or vhost-user-client), its guest memory
     * limited only by the spec and its counters in a private manager.
     */
    public static VhostUserPort open(PortSpec spec) {
        return open(spec, GuestMemoryBudget.unlimited(), CounterSet.privateManager(counters(spec)));
    }

    /** How many counters the port of {@code spec} allocates in the manager it opens with. */
    public static int counters(PortSpec spec) {
        return VhostUserCounter.values().length + 2 * Math.max(0, spec.queuePairs()) * NetPortCounter.values().length;
    }

    /**
     * Opens the port of {@code spec} (type vhost-user-server or vhost-user-client): its front-end
     * may make the switch map at most {@link PortSpec#maxGuestMemory} of guest memory, and all ports
     * sharing {@code budget} together at most its limit. Its sessions count straight into
     * {@code counters} (the switch's counters file) as {@code port:<name>:vhost_<counter>}, its
     * rings as {@code ring:<name>:vring<N>:<counter>}; the port frees them when it closes. The caller serializes allocation in {@code counters} (the
     * switch's file has a {@code ConcurrentCountersManager}).
     *
     * @throws PortException if the port cannot open or {@code counters} has no room (nothing is left allocated)
     */
    public static VhostUserPort open(PortSpec spec, GuestMemoryBudget budget, CountersManager counters) {
        VhostUserCounters sessionCounters;
        try {
            sessionCounters = new VhostUserCounters(counters, "port:" + spec.name() + ":");
        } catch (IllegalStateException e) {
            throw new PortException("port " + spec.name() + ": " + e.getMessage(), e);
        }
        if (spec.queuePairs() > MAX_WAKE_FDS) {
            sessionCounters.close();
            throw new PortException("port " + spec.name() + ": " + spec.queuePairs() + " queue pairs; a vhost-user port serves at most "
                    + MAX_WAKE_FDS);
        }
        VhostUserNetPort net;
        try {
            // A guest that may send or take TSO super-frames needs rings that carry them (64 KB over
            // merged RX buffers); the others keep the jumbo limit.
            net = new VhostUserNetPort(spec.name(), spec.queuePairs(),
                    PortOffload.segments(spec.offloads()) ? VhostUserNetPort.MAX_GSO_FRAME : MAX_FRAME, counters,
                    "ring:" + spec.name() + ":");
        } catch (IllegalStateException e) {
            sessionCounters.close();
            throw new PortException("port " + spec.name() + ": " + e.getMessage(), e);
        }
        try {
            return open(spec, budget, net, sessionCounters);
        } catch (RuntimeException e) {
            net.freeCounters();
            sessionCounters.close();
            throw e;
        }
    }

    private static VhostUserPort open(PortSpec spec, GuestMemoryBudget budget, VhostUserNetPort net,
                                      VhostUserCounters sessionCounters) {
        // SEND_RARP enters the switch from this port (receive), not the guest's own RX ring.
        net.announceAsTransmitted();
        BackendConfig config = BackendConfig.net(spec.queuePairs()).withMaxGuestMemory(spec.maxGuestMemory())
                .withFeatures(PortOffload.features(spec.offloads()) | BackendConfig.VIRTIO_NET_F_MTU);
        Path path = Path.of(spec.target());
        try {
            if (spec.type() == PortType.VHOST_USER_SERVER) {
                VhostUserServer server = VhostUserServer.listen(path, config, () -> net, budget, sessionCounters);
                return new VhostUserPort(spec, net, server, sessionCounters);
            }
            if (spec.type() == PortType.VHOST_USER_CLIENT) {
                VhostUserClient client = VhostUserClient.connect(path, spec.reconnect(), config, () -> net, budget, sessionCounters);
                return new VhostUserPort(spec, net, client, sessionCounters);
            }
        } catch (VhostUserException e) {
            throw new PortException("port " + spec.name() + ": cannot serve vhost-user socket " + path + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("port " + spec.name() + " is of type " + spec.type() + ", not vhost-user");
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    @Override
    public boolean connected() {
        return net.ready(0);
    }

    @Override
    public long deviceDrops() {
        return net.dropped();
    }

    /** The protocol side's counters (messages, rejected, disconnects, sessions). */
    public VhostUserCounters sessionCounters() {
        return sessionCounters;
    }

    /**
     * Descriptor chains this port's rings refused for {@code error}, across ring restarts and
     * reconnects; read without any ring lock (see {@link VhostUserNetPort#chainErrors}).
     */
    public long chainErrors(ChainError error) {
        return net.chainErrors(error);
    }

    @Override
    public int receive(FrameBatch batch) {
        if (heldCount != 0) {
            throw new IllegalStateException("port " + spec.name() + ": receive before the last burst was released");
        }
        int pairs = registered.length;
        // Each call starts one pair further on: a pair that fills every burst must not starve the others.
        int first = nextFirstPair;
        nextFirstPair = first + 1 == pairs ? 0 : first + 1;
        int total = 0;
        // SEND_RARP (after a migration): the announcement enters the burst first, as if the guest had
        // sent it, so the FDB learns its MAC on this port and the other ports receive it. One
        // volatile read per burst when there is none.
        MemorySegment rarp = net.takeAnnouncement();
        if (rarp != null) {
            batch.add(announcement.set(rarp, 0, rarp.byteSize()));
            total++;
        }
        for (int i = 0; i < pairs && batch.room() > 0; i++) {
            int pair = first + i < pairs ? first + i : first + i - pairs;
            int n = net.holdTx(pair, batch.room());
            if (n == 0) {
                continue;
            }
            heldPairs[heldCount++] = pair;
            lost[pair] = 0;
            HeldFrames held = net.heldFrames(pair);
            GuestMemory memory = held.memory();
            int offset = held.offset();
            long features = held.features();
            // Only a guest that negotiated an offload may ask for one: the others' headers are not read.
            boolean offloads = (features & OFFLOAD_FEATURES) != 0;
            for (int f = 0; f < n; f++) {
                GuestFrame frame = frames[batch.count()].set(memory, held.chain(f), offset, held.length(f),
                        held.segment(f), held.segmentOffset(f), held.contiguous(f));
                try {
                    batch.add(frame);
                    OffloadError refused = offloads ? checkOffload(frame, features, batch)
                            : frame.length() > OffloadCheck.MAX_PLAIN_FRAME ? OffloadError.OVERSIZED : null;
                    if (refused != null) {
                        batch.dropLast();
                        offloadRefusals.refuse(refused);
                        lost[pair]++;
                        continue;
                    }
                    total++;
                } catch (GuestMemoryException e) {
                    // The front-end remapped memory under a popped chain: its frame is lost, not the burst.
                    lost[pair]++;
                }
            }
        }
        return total;
    }

    /**
     * Reads the virtio-net header of {@code frame}, the batch's last, into host memory and checks it
     * against the frame and the guest's {@code features}; fills the frame's offload when it is good.
     */
    private OffloadError checkOffload(GuestFrame frame, long features, FrameBatch batch) {
        int last = batch.count() - 1;
        // The 10 bytes before num_buffers: a TX header's num_buffers means nothing.
        frame.readVnetHeader(vnetCopy, VirtioNetHeader.NUM_BUFFERS);
        return OffloadCheck.check(vnet, features, batch.header(last), batch.headerLength(last), frame.length(),
                frame.offloadSlot());
    }

    /** Frames this port's guest sent with a virtio-net header refused for {@code error} (dropped). */
    public long offloadRefusals(OffloadError error) {
        return offloadRefusals.count(error);
    }

    @Override
    public void release() {
        RuntimeException failure = null;
        for (int i = 0; i < heldCount; i++) {
            int pair = heldPairs[i];
            try {
                net.releaseTx(pair, lost[pair]);
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        heldCount = 0;
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Copies the batch into the guest's RX rings: each frame to the pair its flow hash picks among
     * the running ones (pair 0 when that one is not running), one pair at a time, each taken once
     * and published once. One ring held at a time, so two PMDs filling the same guest cannot
     * deadlock on its rings. Several PMDs transmit here at once, each with its own batch: the pair
     * of each entry is kept in the batch ({@link TxBatch#queue}), never in the port, so one PMD
     * cannot read another's choices.
     */
    @Override
    public void transmit(TxBatch batch) {
        int pairs = registered.length;
        int count = batch.count();
        long used = 0;
        for (int i = 0; i < count; i++) {
            int pair = pairs == 1 ? 0 : Math.floorMod(batch.flowHash(i), pairs);
            if (pair != 0 && !net.ready(pair)) {
                pair = 0;
            }
            batch.queue(i, pair);
            used |= 1L << pair;
        }
        boolean onePair = Long.bitCount(used) == 1;
        while (used != 0) {
            int pair = Long.numberOfTrailingZeros(used);
            used &= used - 1;
            // The pair's RX chains for all its entries are popped together, not one per frame.
            net.openRx(pair, onePair ? count : entriesOn(batch, pair));
            try {
                for (int i = 0; i < count; i++) {
                    if (batch.queue(i) == pair && deliver(batch, i, pair)) {
                        batch.sent(i);
                    }
                }
            } finally {
                net.closeRx(pair);
            }
        }
    }

    /** The entries of {@code batch} that go to {@code pair}: the RX chains to reserve for them. */
    private static int entriesOn(TxBatch batch, int pair) {
        int n = 0;
        for (int i = 0; i < batch.count(); i++) {
            if (batch.queue(i) == pair) {
                n++;
            }
        }
        return n;
    }

    /**
     * Copies entry {@code i} into an RX chain of {@code pair}. Guest to guest is the hot case: a
     * direct call on the final class, which the JIT inlines, instead of an interface dispatch that
     * replies (host frames) would make polymorphic.
     */
    private boolean deliver(TxBatch batch, int i, int pair) {
        Frame frame = batch.frame(i);
        if (frame instanceof GuestFrame guest) {
            FrameOffload offload = guest.offload();
            if (offload != null) {
                return deliverOffloaded(batch.offloads(), guest, offload, batch.head(i), batch.headLength(i), batch.resume(i),
                        pair);
            }
            return guest.deliverTo(net, pair, batch.head(i), batch.headLength(i), batch.resume(i));
        }
        return frame.deliverTo(net, pair, batch.head(i), batch.headLength(i), batch.resume(i));
    }

    /**
     * A frame with a partial checksum or a super-frame: carried over with its virtio-net header
     * (csum_start and hdr_len moved by the head's length change, a pushed or popped tag) when this
     * guest negotiated the offload for the ring, else completed and segmented by the switch.
     */
    private boolean deliverOffloaded(SoftwareOffload offloads, Frame frame, FrameOffload offload, MemorySegment head,
                                     int headLength, long resume, int pair) {
        if (Offloads.guestTakes(net.rxFeatures(pair), offload)) {
            net.offloadNext(pair, offloads.carriedHeader(offload, (int) (headLength - resume)));
            return frame.deliverTo(net, pair, head, headLength, resume);
        }
        return offloads.send(frame, offload, head, headLength, resume, fallbackSink, pair);
    }

    /** One complete frame of the software fallback into the RX ring of {@code pair}. */
    private boolean deliverComplete(int pair, Frame frame, MemorySegment head, int headLength, long resume) {
        return frame.deliverTo(net, pair, head, headLength, resume);
    }

    @Override
    public void syncWakeups(EpollPoller poller, int tokenBase) {
        for (int pair = 0; pair < registered.length; pair++) {
            long generation = net.kickGeneration(pair);
            if (generation == registered[pair]) {
                continue;
            }
            if (registered[pair] >= 0) {
                // The old kick fd may be closed already: EpollPoller tolerates that.
                poller.unregister(tokenBase + pair);
                registered[pair] = -1;
            }
            if (net.registerKick(pair, poller, tokenBase + pair)) {
                registered[pair] = generation;
            }
        }
    }

    @Override
    public void resetWakeups() {
        java.util.Arrays.fill(registered, -1);
    }

    @Override
    public boolean enableWakeups() {
        boolean pending = false;
        for (int pair = 0; pair < registered.length; pair++) {
            pending |= net.enableKicks(pair);
        }
        return pending;
    }

    @Override
    public void disableWakeups() {
        for (int pair = 0; pair < registered.length; pair++) {
            net.disableKicks(pair);
        }
    }

    @Override
    public void onWakeupsChanged(Runnable hook) {
        net.onRingStarted(hook);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (RuntimeException e) {
            throw new PortException("port " + spec.name() + ": closing its vhost-user session failed: " + e.getMessage(), e);
        } finally {
            freeSessionCounters();
        }
    }

    /**
     * Frees the session and ring counters' slots in the counters file once no session can count
     * any more (the switch's PMDs stopped polling the port before closing it):
     * a slot freed under a still running session thread would be reused by another port and
     * written by both, so a thread that did not end in time keeps its slots (leaked, logged).
     */
    private void freeSessionCounters() {
        if (session.isAlive()) {
            LOG.warn("port {}: its vhost-user session thread did not end; its counters stay allocated", spec.name());
            return;
        }
        net.freeCounters();
        sessionCounters.close();
    }
}
