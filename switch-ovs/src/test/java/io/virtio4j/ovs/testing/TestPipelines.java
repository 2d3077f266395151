package io.virtio4j.ovs.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.pipeline.FramePipeline;

/**
 * Tiny pipelines for data-path tests (the real one, with learning and routing, is the pipeline
 * helper's): they decide from the ingress port and the frame's tag only.
 */
public final class TestPipelines {
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private TestPipelines() {
    }

    /** The VLAN a frame belongs to: the access port's, or the tag's on a trunk. */
    public static int ingressVlan(List<PortSpec> ports, int inPort, MemorySegment header, int headerLength) {
        PortSpec p = ports.get(inPort);
        if (!p.vlan().isTrunk()) {
            return p.vlan().accessVlan();
        }
        if (headerLength >= 18 && Short.toUnsignedInt(header.get(BE_SHORT, 12)) == 0x8100) {
            return Short.toUnsignedInt(header.get(BE_SHORT, 14)) & 0xfff;
        }
        return 0;
    }

    /**
     * Floods every frame to every other port, with the ingress VLAN as the egress VLAN, and leaves
     * it to the executor to keep VLANs apart (a careless pipeline: the executor is the last guard).
     */
    public static FramePipeline floodEverywhere(List<PortSpec> ports) {
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            verdict.egressVlan(ingressVlan(ports, inPort, header, headerLength));
            for (int i = 0; i < ports.size(); i++) {
                if (i != inPort) {
                    verdict.addOutput(i);
                }
            }
        };
    }

    /** Sends everything from {@code from} to {@code to} on {@code vlan}; drops the rest as flow drops. */
    public static FramePipeline forward(int from, int to, int vlan) {
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            if (inPort == from) {
                verdict.egressVlan(vlan);
                verdict.addOutput(to);
            } else {
                verdict.drop(io.virtio4j.ovs.pipeline.DropReason.FLOW_DROP);
            }
        };
    }

    /** As a router would: from {@code from} to {@code to} on {@code vlan}, MACs set, TTL decremented. */
    public static FramePipeline route(int from, int to, int vlan, long newSource, long newDestination) {
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            if (inPort != from) {
                verdict.drop(io.virtio4j.ovs.pipeline.DropReason.FLOW_DROP);
                return;
            }
            verdict.egressVlan(vlan);
            verdict.setEthSource(newSource);
            verdict.setEthDestination(newDestination);
            verdict.setDecrementTtl(true);
            verdict.addOutput(to);
        };
    }

    /** Answers every frame with an untagged {@code length}-byte reply of {@code fill} bytes on {@code vlan}, and outputs nothing. */
    public static FramePipeline replyWith(int length, byte fill, int vlan) {
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            MemorySegment reply = verdict.reply();
            reply.asSlice(0, length).fill(fill);
            verdict.replyLength(length);
            verdict.egressVlan(vlan);
        };
    }

    /** Outputs every frame to a port that does not exist. */
    public static FramePipeline outputTo(int port, int vlan) {
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            verdict.egressVlan(vlan);
            verdict.addOutput(port);
        };
    }
}
