package io.virtio4j.ovs.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.pipeline.Verdict;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.FrameReceiver;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes the pipeline's verdicts for one PMD thread. Per frame: the first
 * {@link FramePipeline#HEADER_BYTES} are read into a scratch (the pipeline's view), the pipeline
 * decides, and each output port copies the frame once from where it lies, behind a rewritten head
 * when the VLAN tag or a header field changes ({@link HeaderRewriter}). A frame is only ever put on
 * a port that carries its egress VLAN, whatever the pipeline said: nothing crosses VLANs at L2.
 * Per burst: each destination port is flushed once (one used-index publish) and the counters are
 * added once. Nothing is allocated per frame.
 */
public final class FrameExecutor implements FrameReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(FrameExecutor.class);

    private final SwitchPort[] ports;
    private final PortCounters[] counters;
    private final VlanMask[] vlans;
    private final FramePipeline pipeline;
    private final DropCounters drops;
    private final MemorySegment header = Arena.ofAuto().allocate(FramePipeline.HEADER_BYTES, 8);
    private final Verdict verdict = new Verdict();
    private final HeaderRewriter rewriter = new HeaderRewriter();
    private final HostFrame reply = new HostFrame();
    /** A reply with a tag pushed, for a trunk ingress port. */
    private final MemorySegment taggedReply = Arena.ofAuto().allocate(Verdict.MAX_REPLY + 4, 8);
    private static final RateLimitedLog badVerdictLog = new RateLimitedLog(LOG, 1_000_000_000L);
    /** Per destination port, this burst: frames and bytes sent, and whether it needs a flush. */
    private final long[] txFrames;
    private final long[] txBytes;
    private final int[] touched;
    private int touchedCount;
    private int inPort;
    private long nowNanos;
    /** Frames and bytes handed over in this burst (counted here, so a burst that fails part way still counts them). */
    private long rxFrames;
    private long rxBytes;

    /**
     * @param ports    every port of the switch, indexed as in the switch spec
     * @param counters their counters, same indices
     */
    public FrameExecutor(SwitchPort[] ports, PortCounters[] counters, FramePipeline pipeline, DropCounters drops) {
        if (ports.length != counters.length) {
            throw new IllegalArgumentException(ports.length + " ports but " + counters.length + " counter sets");
        }
        this.ports = ports.clone();
        this.counters = counters.clone();
        this.pipeline = pipeline;
        this.drops = drops;
        this.vlans = new VlanMask[ports.length];
        for (int i = 0; i < ports.length; i++) {
            vlans[i] = new VlanMask(ports[i].spec().vlan());
        }
        this.txFrames = new long[ports.length];
        this.txBytes = new long[ports.length];
        this.touched = new int[ports.length];
    }

    /**
     * Runs one receive burst of port {@code port} through the pipeline; returns the frames received.
     * If the burst fails part way (a port or the pipeline throws), the frames already handled are
     * still counted and the ports they went to flushed before the failure reaches the PMD.
     */
    public int poll(int port, long now) {
        inPort = port;
        nowNanos = now;
        rxFrames = 0;
        rxBytes = 0;
        try {
            return ports[port].receive(this, SwitchPort.BURST);
        } finally {
            if (rxFrames > 0) {
                counters[port].addRx(rxFrames, rxBytes);
            }
            endBurst();
        }
    }

    @Override
    public void frame(Frame frame) {
        // Ports hand over at most SwitchPort.MAX_FRAME bytes, so the length fits the pipeline's int.
        long length = frame.length();
        int headerLength = (int) Math.min(length, FramePipeline.HEADER_BYTES);
        // In bounds: headerLength <= HEADER_BYTES, the scratch's size, and <= the frame's length.
        frame.read(0, header, 0, headerLength);
        // Counted once readable: a guest that remapped its memory under the frame is the port's drop.
        rxFrames++;
        rxBytes += length;
        verdict.clear();
        pipeline.process(inPort, header, headerLength, (int) length, nowNanos, verdict);
        if (verdict.replyLength() > 0) {
            sendReply();
        }
        if (verdict.drop() != DropReason.NONE) {
            drop(inPort, verdict.drop());
            return;
        }
        if (verdict.outputCount() > 0 && !rewriter.start(header, headerLength, verdict)) {
            // The pipeline should have refused it; the executor never reads past a short header.
            drop(inPort, DropReason.MALFORMED);
            return;
        }
        int egressVlan = verdict.egressVlan();
        for (int i = 0; i < verdict.outputCount(); i++) {
            int out = verdict.output(i);
            // The ingress port itself is a legal output: a routed frame may go back out where it came
            // from (router on a stick, a next hop behind the same port); L2 hairpins the pipeline drops.
            if (out < 0 || out >= ports.length) {
                badVerdict("an output to port {}", out);
                drop(inPort, DropReason.FLOW_DROP);
                continue;
            }
            VlanMask mask = vlans[out];
            if (!mask.carries(egressVlan)) {
                drop(out, DropReason.VLAN_NOT_ALLOWED);
                continue;
            }
            boolean tagged = mask.trunk();
            int headLength = rewriter.headLength(tagged);
            long resume = headLength == 0 ? 0 : rewriter.resume();
            if (ports[out].transmit(frame, rewriter.head(tagged), headLength, resume)) {
                sent(out, headLength + length - resume);
            } else {
                drop(out, DropReason.PORT_FULL);
            }
        }
    }

    /**
     * Sends the pipeline's reply (an untagged frame on the egress VLAN) back out of the ingress
     * port, tagged if that port is a trunk; refused if the port does not carry that VLAN.
     */
    private void sendReply() {
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
        if (mask.trunk()) {
            // In bounds: length <= MAX_REPLY and taggedReply holds MAX_REPLY + 4 bytes.
            reply.set(taggedReply, 0, HeaderRewriter.tagged(verdict.reply(), length, taggedReply, verdict.egressVlan()));
        } else {
            reply.set(verdict.reply(), 0, length);
        }
        if (ports[inPort].transmit(reply, MemorySegment.NULL, 0, 0)) {
            sent(inPort, reply.length());
        } else {
            drop(inPort, DropReason.PORT_FULL);
        }
    }

    private void sent(int port, long bytes) {
        if (txFrames[port]++ == 0) {
            touched[touchedCount++] = port;
        }
        txBytes[port] += bytes;
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

    /** Flushes every port written this burst once and adds their counters once. */
    private void endBurst() {
        for (int i = 0; i < touchedCount; i++) {
            int port = touched[i];
            ports[port].flush();
            counters[port].addTx(txFrames[port], txBytes[port]);
            txFrames[port] = 0;
            txBytes[port] = 0;
        }
        touchedCount = 0;
    }
}
