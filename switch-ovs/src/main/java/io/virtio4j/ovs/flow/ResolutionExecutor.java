package io.virtio4j.ovs.flow;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.l3.ArpResponder;
import io.virtio4j.ovs.l3.IcmpResponder;
import io.virtio4j.ovs.l3.SubnetIndex;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.packet.ParsedFrame;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.Verdict;

/**
 * Turns a {@link Resolution} into the {@link Verdict} for one frame, doing the per-frame part the
 * cache cannot hold: the TTL check of a routed frame (TTL of 1 or less: drop, ICMP time exceeded back to
 * the sender), the gateway's answers, and the flood set (a flood that reaches no port is a
 * FLOOD_NO_PORT drop). Stateless; shared by all threads.
 */
public final class ResolutionExecutor {
    private final VlanPorts vlanPorts;
    private final SubnetIndex subnets;

    /** An executor flooding over {@code vlanPorts} and answering for the gateways of {@code subnets}. */
    public ResolutionExecutor(VlanPorts vlanPorts, SubnetIndex subnets) {
        this.vlanPorts = vlanPorts;
        this.subnets = subnets;
    }

    /** Fills {@code v} (cleared by the caller) for the frame parsed in {@code f} from {@code header}. */
    public Reply execute(Resolution r, ParsedFrame f, MemorySegment header, int inPort, Verdict v) {
        if (r.decrementTtl() && f.ttl() <= 1) {
            v.drop(DropReason.TTL_EXPIRED);
            SubnetSpec ingress = subnets.forVlan(r.ingressVlan());
            int length = ingress == null ? 0
                    : IcmpResponder.timeExceeded(header, f, ingress.gateway(), ingress.gatewayMac(), v.reply());
            return replied(v, r.ingressVlan(), length, Reply.TIME_EXCEEDED);
        }
        if (r.drop() != DropReason.NONE) {
            v.drop(r.drop());
            return Reply.NONE;
        }
        if (r.gateway()) {
            return answer(r, f, header, v);
        }
        v.egressVlan(r.egressVlan());
        v.setEthSource(r.ethSource());
        v.setEthDestination(r.ethDestination());
        v.setDecrementTtl(r.decrementTtl());
        v.setVlanPcp(r.vlanPcp());
        v.setIpv4Source(r.ipv4Source());
        v.setIpv4Destination(r.ipv4Destination());
        if (r.controller() != null) {
            v.toController(r.controller());
            return Reply.NONE;
        }
        boolean flooded = false;
        for (int i = 0; i < r.outputCount(); i++) {
            int tag = r.outputTag(i);
            if (r.outputKind(i) == Resolution.UNICAST) {
                v.addOutput(r.outputPort(i), tag);
            } else {
                flooded = true;
                for (int port : vlanPorts.ports(r.egressVlan())) {
                    if (port != r.outputPort(i)) {
                        v.addOutput(port, tag);
                    }
                }
            }
        }
        if (flooded && v.outputCount() == 0) {
            // Nobody else on the VLAN: the executor counts the drop (at the ingress port), so
            // every frame received is sent or counted somewhere.
            v.drop(DropReason.FLOOD_NO_PORT);
        }
        return Reply.NONE;
    }

    private Reply answer(Resolution r, ParsedFrame f, MemorySegment header, Verdict v) {
        SubnetSpec s = subnets.forVlan(r.ingressVlan());
        if (s == null) {
            v.drop(DropReason.TO_GATEWAY);
            return Reply.NONE;
        }
        if (f.isArp()) {
            return replied(v, r.ingressVlan(), ArpResponder.reply(f, s.gateway(), s.gatewayMac(), v.reply()), Reply.ARP_REPLY);
        }
        return replied(v, r.ingressVlan(), IcmpResponder.echoReply(header, f, s.gatewayMac(), v.reply()), Reply.ECHO_REPLY);
    }

    /** A reply of {@code length} bytes goes back on the ingress VLAN; none means the frame was just absorbed. */
    private static Reply replied(Verdict v, int vlan, int length, Reply kind) {
        if (length == 0) {
            if (v.drop() == DropReason.NONE) {
                v.drop(DropReason.TO_GATEWAY);
            }
            return Reply.NONE;
        }
        v.egressVlan(vlan);
        v.replyLength(length);
        return kind;
    }
}
