package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.NetworkOrder;

/**
 * The outputs one verdict was found to send a frame to unchanged, kept for the frames of the burst
 * that repeat that verdict ({@link io.virtio4j.ovs.pipeline.Verdict#repeatPrevious}): a run of one
 * flow is routed once and then only queued, frame by frame (OVS executes a batch's packets of one
 * flow together for the same reason). Whether an output sends a frame unchanged depends on the
 * verdict and on the tag the frame arrived with, so a frame is replayed only if its tag (none, or
 * the same whole TCI) is the one the outputs were found for. One per {@link FrameExecutor}.
 */
final class RouteReplay {
    private final int[] ports;
    private int count;
    private boolean hashed;
    private boolean ingressTagged;
    private int ingressTci;
    private boolean ready;

    /** Room for {@code capacity} outputs; a verdict with more is never replayed. */
    RouteReplay(int capacity) {
        this.ports = new int[capacity];
    }

    /** Starts over for the verdict being routed, for frames tagged as the one {@code rewriter} started on. */
    void start(HeaderRewriter rewriter) {
        count = 0;
        hashed = false;
        ready = false;
        ingressTagged = rewriter.ingressTagged();
        ingressTci = rewriter.ingressTci();
    }

    /** Adds an output that sent the frame unchanged; false (nothing added) when there is no room. */
    boolean add(int port, boolean multiQueue) {
        if (count == ports.length) {
            return false;
        }
        ports[count++] = port;
        hashed |= multiQueue;
        return true;
    }

    /** Every output of the verdict was added: the frames that repeat it may be replayed. */
    void keep() {
        ready = true;
    }

    /** The outputs no longer stand for the verdict being routed. */
    void forget() {
        ready = false;
    }

    boolean ready() {
        return ready;
    }

    /**
     * Whether a frame whose first {@code headerLength} bytes are {@code header} arrived tagged as
     * the frame the outputs were found for: then each of them sends it unchanged too.
     */
    boolean tagsAlike(MemorySegment header, int headerLength) {
        if (headerLength < Ethernet.HEADER_LENGTH) {
            return false;
        }
        // In bounds: headerLength >= 14 was checked above, >= 18 before the TCI is read.
        boolean tagged = NetworkOrder.u16(header, Ethernet.TYPE) == Ethernet.TYPE_VLAN;
        if (tagged != ingressTagged) {
            return false;
        }
        return !tagged || headerLength >= Ethernet.TAGGED_HEADER_LENGTH
                && NetworkOrder.u16(header, Ethernet.VLAN_TCI) == ingressTci;
    }

    /** Outputs kept. */
    int count() {
        return count;
    }

    /** Output {@code k} ({@code 0 <= k < count()}). */
    int port(int k) {
        return ports[k];
    }

    /** Whether any output spreads frames over queue pairs: then each frame's flow hash is needed. */
    boolean hashed() {
        return hashed;
    }

    /** Whether the frames leave tagged: as they arrived, since every output sends them unchanged. */
    boolean tagged() {
        return ingressTagged;
    }
}
