package io.virtio4j.ovs.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.ovs.offload.SoftwareOffload;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.pipeline.PmdContext;
import io.virtio4j.ovs.pipeline.Verdict;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.port.TxBatch;
import io.virtio4j.vhostuser.net.VhostUserNetPort;

import org.agrona.concurrent.MessageHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one PMD thread's bursts, a burst at a time as a batch (as OVS's dp_netdev_input__): the
 * source port fills the PMD's {@link FrameBatch} (frames where they lie, their first
 * {@link FramePipeline#HEADER_BYTES} read into the batch's headers); the pipeline classifies every
 * frame of the batch with this PMD's own {@link PmdContext} (exact-match cache, scratch, counters:
 * passed, never looked up); the verdicts are grouped by output port into one {@link TxBatch} per
 * destination, behind a rewritten head when the VLAN tag or a header field changes
 * ({@link HeaderRewriter}, one per batch slot); each destination then copies its frames once and
 * publishes once; finally the source releases its buffers (a guest's TX chains go back used, one
 * publish). A frame is only ever put on a port that carries its egress VLAN, whatever the pipeline
 * said: nothing crosses VLANs at L2. Counters are added once per burst; nothing is allocated.
 */
public final class FrameExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(FrameExecutor.class);

    private final SwitchPort[] ports;
    private final PortCounters[] counters;
    private final VlanMask[] vlans;
    /** Per port, the largest IP packet it sends ({@code mtu}); longer frames are dropped there. */
    private final int[] mtus;
    /** Per port, whether it spreads frames over queue pairs by flow hash (more than one pair). */
    private final boolean[] hashed;
    private final FramePipeline pipeline;
    private final PmdContext context;
    private final DropCounters drops;
    /** Per port, its capture slot (ctl capture): one read per burst per port, empty while none runs. */
    private final CaptureSlot[] captures;
    private final FrameBatch batch = new FrameBatch();
    /** Per batch slot: the pipeline's verdict, the head builder, the reply as a frame and its tagged copy. */
    private final Verdict[] verdicts = new Verdict[FrameBatch.SIZE];
    private final HeaderRewriter[] rewriters = new HeaderRewriter[FrameBatch.SIZE];
    private final HostFrame[] replies = new HostFrame[FrameBatch.SIZE];
    private final MemorySegment[] taggedReplies = new MemorySegment[FrameBatch.SIZE];
    private static final RateLimitedLog badVerdictLog = new RateLimitedLog(LOG, 1_000_000_000L);
    /** Per destination port, this burst's frames; the ports that have some, in first-use order. */
    private final TxBatch[] outputs;
    private final int[] touched;
    private final boolean[] queued;
    private int touchedCount;
    private int inPort;
    /** The burst's slot whose verdict the frames being routed have: the last that did not repeat one (-1: none yet). */
    private int runStart;
    /** The outputs of the run's verdict, while every one sends its frames unchanged. */
    private final RouteReplay replay;
    /**
     * Copies of injected frames (OpenFlow PACKET_OUT, {@link InjectionRing}), one buffer and frame
     * per batch slot: allocated once, the first time a frame is injected at a port this PMD polls.
     */
    private MemorySegment[] injectBuffers;
    private HostFrame[] injectFrames;
    private InjectionRing injecting;
    private int injectedCount;
    private final MessageHandler injectHandler = this::injected;
    /** The switch's hooks: where the PACKET_IN queue is found, the first time a flow sends to the controller. */
    private final CaptureHooks hooks;
    private PacketInQueue packetIns;
    /** Per port, its name (PACKET_IN says where a frame came in). */
    private final String[] names;
    /** The burst's first failure (a port or the pipeline threw), rethrown once the burst is complete. */
    private RuntimeException failure;

    /**
     * @param ports    every port of the switch, indexed as in the switch spec
     * @param counters their counters, same indices
     */
    public FrameExecutor(SwitchPort[] ports, PortCounters[] counters, FramePipeline pipeline, DropCounters drops) {
        this(ports, java.util.Arrays.stream(ports).map(SwitchPort::spec).toArray(io.virtio4j.ovs.model.PortSpec[]::new),
                counters, pipeline, drops, new CaptureHooks());
    }

    /**
     * As above, with each port's name, VLANs and queue pairs from {@code specs} (same indices)
     * rather than from the spec it was opened with (a live reconfiguration may move a running port
     * to other VLANs), and its captures found in {@code captures} (shared by every PMD of a switch,
     * and by the executors of every configuration it runs).
     */
    public FrameExecutor(SwitchPort[] ports, io.virtio4j.ovs.model.PortSpec[] specs, PortCounters[] counters,
                         FramePipeline pipeline, DropCounters drops, CaptureHooks captures) {
        if (ports.length != counters.length || ports.length != specs.length) {
            throw new IllegalArgumentException(ports.length + " ports but " + counters.length + " counter sets and "
                    + specs.length + " specs");
        }
        this.hooks = captures;
        this.names = new String[ports.length];
        for (int i = 0; i < ports.length; i++) {
            names[i] = specs[i].name();
        }
        this.captures = new CaptureSlot[ports.length];
        for (int i = 0; i < ports.length; i++) {
            this.captures[i] = captures.slot(specs[i].name());
        }
        this.ports = ports.clone();
        this.counters = counters.clone();
        this.pipeline = pipeline;
        this.context = pipeline.newContext();
        this.drops = drops;
        this.vlans = new VlanMask[ports.length];
        this.mtus = new int[ports.length];
        this.hashed = new boolean[ports.length];
        this.outputs = new TxBatch[ports.length];
        // One fallback scratch per PMD, shared by its destinations' batches (one transmits at a time).
        SoftwareOffload offloads = new SoftwareOffload(VhostUserNetPort.MAX_GSO_FRAME);
        for (int i = 0; i < ports.length; i++) {
            vlans[i] = new VlanMask(specs[i].vlan());
            mtus[i] = specs[i].mtu();
            hashed[i] = specs[i].queuePairs() > 1;
            outputs[i] = new TxBatch(offloads);
        }
        this.touched = new int[ports.length];
        this.replay = new RouteReplay(Verdict.MAX_OUTPUTS);
        this.queued = new boolean[ports.length];
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < FrameBatch.SIZE; i++) {
            verdicts[i] = new Verdict();
            rewriters[i] = new HeaderRewriter();
            replies[i] = new HostFrame();
            taggedReplies[i] = arena.allocate(Verdict.MAX_REPLY + 4, 8);
        }
    }

    /**
     * Runs one burst of port {@code port}: receive, classify, group by output, transmit (each
     * destination published once), release. Returns the frames received. If the burst fails part
     * way (the source throws after handing over some frames, the pipeline throws on a frame, a
     * destination throws), every other frame is still sent and counted, the source is released,
     * and then the first failure reaches the PMD.
     */
    public int poll(int port, long now) {
        SwitchPort source = ports[port];
        inPort = port;
        failure = null;
        batch.clear();
        int received = 0;
        try {
            try {
                source.receive(batch);
            } catch (RuntimeException e) {
                failed(e);
            }
            InjectionRing ring = captures[port].injected();
            if (ring != null && ring.pending()) {
                drainInjected(ring);
            }
            received = batch.count();
            if (received > 0) {
                // Counted before any frame leaves: whoever sees a frame arrive also sees it counted
                // in, so in == out across two ports means nothing is still on the way.
                counters[port].addRx(received, receivedBytes(received));
                PortCapture capture = captures[port].current();
                if (capture != null) {
                    capture.rx(batch, received);
                }
                classifyAll(received, now);
            }
            // Nothing routed before this burst stands for its frames.
            runStart = -1;
            replay.forget();
            for (int i = 0; i < received; i++) {
                route(i);
            }
            for (int i = 0; i < touchedCount; i++) {
                transmit(touched[i]);
            }
        } finally {
            for (int i = 0; i < touchedCount; i++) {
                queued[touched[i]] = false;
                outputs[touched[i]].clear();
            }
            touchedCount = 0;
            try {
                source.release();
            } catch (RuntimeException e) {
                failed(e);
            }
        }
        RuntimeException thrown = failure;
        if (thrown != null) {
            failure = null;
            throw thrown;
        }
        return received;
    }

    /**
     * Takes the frames injected at this burst's port, as many as the batch has room for: those to
     * switch join the batch as received here; those to send are queued out of the port as they
     * are. Each is copied into this PMD's buffers first (the ring frees it when the read returns).
     */
    private void drainInjected(InjectionRing ring) {
        if (injectBuffers == null) {
            Arena arena = Arena.ofAuto();
            injectBuffers = new MemorySegment[FrameBatch.SIZE];
            injectFrames = new HostFrame[FrameBatch.SIZE];
            for (int i = 0; i < FrameBatch.SIZE; i++) {
                injectBuffers[i] = arena.allocate(SwitchPort.MAX_FRAME, 8);
                injectFrames[i] = new HostFrame();
            }
        }
        injecting = ring;
        injectedCount = 0;
        try {
            // At most room() frames, and room() <= FrameBatch.SIZE: one buffer for each.
            ring.drain(injectHandler, batch.room());
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void injected(int kind, org.agrona.MutableDirectBuffer buffer, int index, int length) {
        int slot = injectedCount++;
        // In bounds: the ring refuses frames longer than MAX_FRAME, the buffer's size, and hands out
        // [index, index + length) of its own memory; slot < room() <= SIZE (the drain's limit).
        MemorySegment.copy(injecting.memory(), index, injectBuffers[slot], 0, length);
        HostFrame frame = injectFrames[slot].set(injectBuffers[slot], 0, length);
        if (kind == InjectionRing.RECEIVE) {
            batch.add(frame);
        } else {
            output(inPort).add(frame, MemorySegment.NULL, 0, 0, 0);
        }
    }

    private void failed(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
    }

    /**
     * The pipeline's verdicts for the burst's frames, between its begin and end (which read shared
     * state and publish the counters once per burst); a failure there costs the burst's counts at
     * most, never its frames.
     */
    private void classifyAll(int received, long now) {
        try {
            pipeline.beginBurst(context, now);
        } catch (RuntimeException e) {
            failed(e);
        }
        for (int i = 0; i < received; i++) {
            classify(i, now);
        }
        try {
            pipeline.endBurst(context);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** The pipeline's verdict for frame {@code i} of the batch, into its slot's verdict. */
    private void classify(int i, long now) {
        Verdict verdict = verdicts[i];
        verdict.clear();
        try {
            // Ports hand over at most SwitchPort.MAX_FRAME bytes, so the length fits the pipeline's int.
            pipeline.process(context, inPort, batch.header(i), batch.headerLength(i), (int) batch.frame(i).length(), now,
                    verdict);
        } catch (RuntimeException e) {
            // A pipeline bug costs this frame (no outputs), not the burst; the PMD counts the failure.
            verdict.clear();
            failed(e);
        }
    }

    /**
     * Executes frame {@code i}'s verdict: its reply, its drop, or its outputs, queued per
     * destination. A verdict that repeats the previous frame's ({@link Verdict#repeatPrevious}) is
     * that frame's verdict applied to this frame; when that one sent every output unchanged and
     * this frame arrived tagged alike, the outputs it found are replayed ({@link #replay}) instead
     * of found again.
     */
    private void route(int i) {
        Verdict verdict = verdicts[i];
        if (verdict.repeatsPrevious()) {
            if (runStart < 0) {
                // The burst's first frame (or a run that started with it) has no verdict to repeat.
                badVerdict("a repeat of the previous frame's verdict in slot {}, with no verdict before it", i);
                drop(inPort, DropReason.FLOW_DROP);
                return;
            }
            if (replay.ready() && replay(i)) {
                return;
            }
            verdict = verdicts[runStart];
        } else {
            runStart = i;
        }
        replay.forget();
        routeVerdict(i, verdict);
    }

    /**
     * Frame {@code i} to the outputs {@link #replay} found for the run's verdict, if it arrived
     * tagged alike (then each output sends it unchanged, as for the frame that found them);
     * returns false, having queued nothing, when it did not.
     */
    private boolean replay(int i) {
        MemorySegment header = batch.header(i);
        int headerLength = batch.headerLength(i);
        if (!replay.tagsAlike(header, headerLength)) {
            return false;
        }
        Frame frame = batch.frame(i);
        // Only a multi-queue output reads the hash: computed for the first one, as routeVerdict does.
        int hash = replay.hashed() ? FlowHash.of(header, headerLength) : 0;
        boolean whole = frame.length() == headerLength;
        for (int k = 0; k < replay.count(); k++) {
            int out = replay.port(k);
            if (exceedsMtu(frame, frame.length(), replay.tagged(), mtus[out])) {
                drop(out, DropReason.MTU_EXCEEDED);
            } else if (whole) {
                output(out).add(frame, header, headerLength, headerLength, hash);
            } else {
                output(out).add(frame, MemorySegment.NULL, 0, 0, hash);
            }
        }
        return true;
    }

    /** Executes {@code verdict} (frame {@code i}'s own, or the run's it repeats) for frame {@code i}. */
    private void routeVerdict(int i, Verdict verdict) {
        if (verdict.replyLength() > 0) {
            queueReply(i, verdict);
        }
        if (verdict.drop() != DropReason.NONE) {
            drop(inPort, verdict.drop());
            return;
        }
        io.virtio4j.ovs.flow.Actions.ToController controller = verdict.controller();
        if (controller != null) {
            toController(i, controller);
            return;
        }
        if (verdict.outputCount() == 0) {
            return;
        }
        MemorySegment header = batch.header(i);
        int headerLength = batch.headerLength(i);
        HeaderRewriter rewriter = rewriters[i];
        Frame frame = batch.frame(i);
        FrameOffload offload = frame.offload();
        if (!rewriter.start(header, headerLength, verdict, offload != null && offload.needsCsum())) {
            // The pipeline should have refused it; the executor never reads past a short header.
            drop(inPort, DropReason.MALFORMED);
            return;
        }
        // The outputs found here are kept for the frames that repeat this verdict, while every one
        // leaves unchanged (no head) and none was refused for its VLAN or its index.
        boolean replayable = verdict.replyLength() == 0;
        replay.start(rewriter);
        // The flow hash only picks a queue pair: computed for the first multi-queue output, if any.
        int hash = 0;
        boolean hashDone = false;
        int egressVlan = verdict.egressVlan();
        for (int o = 0; o < verdict.outputCount(); o++) {
            int out = verdict.output(o);
            // The ingress port itself is a legal output: a routed frame may go back out where it came
            // from (router on a stick, a next hop behind the same port); L2 hairpins the pipeline drops.
            if (out < 0 || out >= ports.length) {
                badVerdict("an output to port {}", out);
                drop(inPort, DropReason.FLOW_DROP);
                replayable = false;
                continue;
            }
            VlanMask mask = vlans[out];
            if (!mask.carries(egressVlan)) {
                drop(out, DropReason.VLAN_NOT_ALLOWED);
                replayable = false;
                continue;
            }
            if (hashed[out] && !hashDone) {
                hash = FlowHash.of(header, headerLength);
                hashDone = true;
            }
            int tag = verdict.outputTag(o);
            boolean tagged = tag == Verdict.TAG_PUSHED || tag == Verdict.TAG_BY_PORT && mask.trunk();
            int headLength = rewriter.headLength(tagged);
            replayable &= headLength == 0 && replay.add(out, hashed[out]);
            long resume = headLength == 0 ? 0 : rewriter.resume();
            if (exceedsMtu(frame, headLength + frame.length() - resume, tagged, mtus[out])) {
                drop(out, DropReason.MTU_EXCEEDED);
                continue;
            }
            if (headLength == 0 && frame.length() == headerLength) {
                // Unchanged and wholly in the batch (a short frame): written from the bytes read for
                // the pipeline, so the guest's copy is read once, not twice. A head always covers
                // every byte read, so a short frame with a head is written from the head alone.
                output(out).add(frame, header, headerLength, headerLength, hash);
                continue;
            }
            output(out).add(frame, rewriter.head(tagged), headLength, resume, hash);
        }
        if (replayable) {
            replay.keep();
        }
    }

    /** Queues frame {@code i} for the controllers (a full queue drops it and counts it there). */
    private void toController(int i, io.virtio4j.ovs.flow.Actions.ToController controller) {
        PacketInQueue queue = packetIns;
        if (queue == null) {
            queue = hooks.packetIns(); // once per executor: the queue is made on first use
            packetIns = queue;
        }
        queue.offer(batch.frame(i), controller.maxLength(), names[inPort], controller.reason(), controller.table(),
                controller.cookie());
    }

    /**
     * Whether {@code frame}, {@code length} bytes as it leaves (head included), carries an IP
     * packet longer than {@code mtu}: past its Ethernet header and, when {@code tagged}, the tag. A
     * super-frame is judged by its segments (headers plus gso_size), which is what the port sends
     * or its guest's stack sees.
     */
    private static boolean exceedsMtu(Frame frame, long length, boolean tagged, int mtu) {
        int l2 = tagged ? Ethernet.TAGGED_HEADER_LENGTH : Ethernet.HEADER_LENGTH;
        if (length - l2 <= mtu) {
            return false;
        }
        FrameOffload offload = frame.offload();
        return offload == null || offload.gsoType() == 0
                || offload.headersEnd() - offload.l3Offset() + offload.gsoSize() > mtu;
    }

    /**
     * Queues the pipeline's reply to frame {@code i} (an untagged frame on the egress VLAN) back
     * out of the ingress port, tagged if that port is a trunk; refused if the port does not carry
     * that VLAN.
     */
    private void queueReply(int i, Verdict verdict) {
        int length = verdict.replyLength();
        VlanMask mask = vlans[inPort];
        if (!mask.carries(verdict.egressVlan())) {
            drop(inPort, DropReason.VLAN_NOT_ALLOWED);
            return;
        }
        if (length < 14) {
            badVerdict("a reply of {} bytes", length);
            drop(inPort, DropReason.MALFORMED);
            return;
        }
        HostFrame reply = replies[i];
        if (mask.trunk()) {
            // In bounds: length <= MAX_REPLY and the slot's tagged reply holds MAX_REPLY + 4 bytes.
            reply.set(taggedReplies[i], 0,
                    HeaderRewriter.tagged(verdict.reply(), length, taggedReplies[i], verdict.egressVlan()));
        } else {
            reply.set(verdict.reply(), 0, length);
        }
        output(inPort).add(reply, MemorySegment.NULL, 0, 0, 0);
    }

    /** Port {@code out}'s batch for this burst, with room for one more frame (a full one is sent first). */
    private TxBatch output(int out) {
        TxBatch b = outputs[out];
        if (!queued[out]) {
            queued[out] = true;
            touched[touchedCount++] = out;
        } else if (b.isFull()) {
            // Only a verdict naming a port many times fills it: send what is there, then go on.
            transmit(out);
        }
        return b;
    }

    /**
     * Sends port {@code out}'s batch (one copy per frame, one publish), counts what it sent and
     * what found no room once, and empties it. A port's failure is kept for the end of the burst.
     */
    private void transmit(int out) {
        TxBatch b = outputs[out];
        if (b.count() == 0) {
            return;
        }
        try {
            ports[out].transmit(b);
        } catch (RuntimeException e) {
            failed(e);
        } finally {
            PortCapture capture = captures[out].current();
            if (capture != null) {
                capture.tx(b, hashed[out]);
            }
            counters[out].addTx(b.sentFrames(), b.sentBytes());
            int full = b.count() - b.sentFrames();
            if (full > 0) {
                counters[out].drop(DropReason.PORT_FULL, full);
                drops.drop(DropReason.PORT_FULL, full);
            }
            b.clear();
        }
    }

    private long receivedBytes(int count) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += batch.frame(i).length();
        }
        return bytes;
    }

    private void drop(int port, DropReason reason) {
        counters[port].drop(reason);
        drops.drop(reason);
    }

    /**
     * Logs (at most once a second) a verdict the executor refused: {@code what} with one {@code {}}
     * for {@code value}. Nothing is built unless it logs.
     */
    private void badVerdict(String what, int value) {
        if (badVerdictLog.allow()) {
            LOG.warn("the pipeline's verdict for a frame from port " + inPort + " asked for " + what
                    + ": dropped, {} similar suppressed", value, badVerdictLog.takeSuppressed());
        }
    }
}
