package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H3;
import static io.virtio4j.ovs.testing.Lab.l2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.ControllerFlows.Rule;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.PortNumbers;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

/**
 * The actions OpenFlow flows gained for Faucet (issue 18), in the pipeline's verdict: several
 * outputs (one copy each), push_vlan and pop_vlan deciding each output's tag, vlan_vid and
 * vlan_pcp set, write-metadata carried between tables, tunnel_id matching a VXLAN port's VNI;
 * the cache serves all of them from its key.
 */
class OpenFlowActionsTest {
    private static final Object K1 = "k1";

    private static Lab lab(Rule... rules) {
        return new Lab(L3Mode.NONE, new ControllerFlows(List.of(rules), Lab.portNumbers()));
    }

    private static RuleAction apply(io.virtio4j.ovs.flow.Action a) {
        return new RuleAction.Apply(a);
    }

    private static List<Integer> tags(Verdict v) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < v.outputCount(); i++) {
            out.add(v.outputTag(i));
        }
        return out;
    }

    @Test
    void severalOutputsEachGetACopyAndTheIngressPortIsSkipped() {
        // a1 -> a2, the trunk and (skipped) a1 itself.
        Lab lab = lab(new Rule(K1, 0, 10, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToPort(2), new RuleAction.ToPort(5),
                new RuleAction.ToPort(1))));
        for (int i = 0; i < 3; i++) {
            lab.send(0, l2(H2, H1, 0));
            assertEquals(List.of(1, 4), lab.outputs());
            assertEquals(DropReason.NONE, lab.verdict.drop());
        }
        assertTrue(lab.pipeline.counter(PipelineCounter.EMC_HITS) >= 1, "several outputs are cached like one");
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(4, 0), lab.outputs(), "from a2: a2 skipped");
        // A flow whose only output is the ingress port drops the frame as SAME_PORT, as before.
        Lab same = lab(new Rule(K1, 0, 10, 1, Match.all(), List.of(new RuleAction.ToPort(1))));
        same.send(0, l2(H2, H1, 0));
        assertEquals(DropReason.SAME_PORT, same.verdict.drop());
    }

    @Test
    void pushAndPopDecideEachOutputsTagAndFloodMixesWithPorts() {
        // Faucet's flood: tagged ports, pop_vlan, untagged ports.
        Lab lab = lab(new Rule(K1, 0, 10, 1, Match.all(), List.of(apply(Actions.VlanTag.PUSH), new RuleAction.ToPort(5),
                apply(Actions.VlanTag.POP), new RuleAction.ToPort(2), new RuleAction.ToFlood("FLOOD"))));
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(4, 1, 1, 4), lab.outputs(), "the trunk, a2, then VLAN 10's flood (a2, trunk)");
        assertEquals(List.of(Verdict.TAG_PUSHED, Verdict.TAG_POPPED, Verdict.TAG_POPPED, Verdict.TAG_POPPED), tags(lab.verdict));
        assertEquals(10, lab.verdict.egressVlan());
    }

    @Test
    void setVlanVidMovesTheFrameAndVlanPcpIsInTheVerdict() {
        // a1 (VLAN 10) -> VLAN 20, priority 6, to b1 (VLAN 20) and a2 (VLAN 10, which the executor refuses).
        Lab lab = lab(new Rule(K1, 0, 10, 1, Match.all(), List.of(apply(Actions.VlanTag.PUSH), apply(new Actions.SetVlan(20)),
                apply(new Actions.SetVlanPcp(6)), new RuleAction.ToPort(3), new RuleAction.ToPort(2))));
        lab.send(0, l2(H2, H1, 0));
        assertEquals(20, lab.verdict.egressVlan());
        assertEquals(6, lab.verdict.vlanPcp());
        assertEquals(List.of(2, 1), lab.outputs());
        assertEquals(List.of(Verdict.TAG_PUSHED, Verdict.TAG_PUSHED), tags(lab.verdict));
        Lab plain = lab(new Rule(K1, 0, 10, 1, Match.all(), List.of(new RuleAction.ToPort(2))));
        plain.send(0, l2(H2, H1, 0));
        assertEquals(Verdict.KEEP_PCP, plain.verdict.vlanPcp(), "no set_field: the received priority");
        assertEquals(List.of(Verdict.TAG_BY_PORT), tags(plain.verdict));
    }

    @Test
    void tunnelIdIsTheVniAVxlanPortReceivedTheFrameWith() {
        VxlanSpec vxlan = new VxlanSpec(Ipv4.parse("192.0.2.1"), VxlanSpec.DEFAULT_UDP_PORT, Map.of(10, 5010, 20, 5020),
                List.of(Ipv4.parse("192.0.2.2")), VxlanSpec.DEFAULT_UNDERLAY_MTU);
        List<PortSpec> ports = List.of(PortSpec.access("a", PortType.IN_PROCESS, "a", 10), PortSpec.access("b", PortType.IN_PROCESS, "b", 20),
                PortSpec.vxlan("vx", vxlan, -1));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        ControllerFlows flows = new ControllerFlows(List.of(
                new Rule(K1, 0, 10, Rule.ANY_PORT, Match.all().withTunnelId(5020), List.of(new RuleAction.ToPort(2))),
                new Rule("rest", 0, 0, Rule.ANY_PORT, Match.all(), List.of())), new PortNumbers(List.of("a", "b", "vx")));
        OvsPipeline pipeline = new OvsPipeline(spec, 1_000_000_000L, flows);
        Verdict v = new Verdict();
        var scratch = Frames.scratch();
        for (int i = 0; i < 3; i++) {
            v.clear();
            Frames.process(pipeline, 2, l2(H2, H1, 20), 1_000_000_000L, scratch, v);
            assertEquals(1, v.outputCount(), "VNI 5020 (VLAN 20) -> b");
            assertEquals(1, v.output(0));
            v.clear();
            Frames.process(pipeline, 2, l2(H2, H1, 10), 1_000_000_000L, scratch, v);
            assertEquals(DropReason.FLOW_DROP, v.drop(), "VNI 5010");
        }
        v.clear();
        Frames.process(pipeline, 1, l2(H2, H1, 0), 1_000_000_000L, scratch, v);
        assertEquals(DropReason.FLOW_DROP, v.drop(), "b is no tunnel: no tunnel_id, though its VLAN is 20");
        assertTrue(pipeline.counter(PipelineCounter.EMC_HITS) >= 2, "tunnel_id follows from the cache key");
        assertEquals(3L, pipeline.controllerPackets().get(K1));
    }

    @Test
    void anIpv4AddressSetInOneTableIsMatchedInTheNextAndReachesTheVerdict() {
        int target = Ipv4.parse("192.168.7.7");
        Match ip = Match.all().withEthType(0x0800);
        Lab lab = lab(new Rule(K1, 0, 10, Rule.ANY_PORT, ip, List.of(apply(new Actions.SetIpv4(false, target)), new RuleAction.ToTable(1))),
                new Rule("t1", 1, 10, Rule.ANY_PORT, ip.withNwDst(new io.virtio4j.ovs.model.Ipv4Prefix(target, 32)),
                        List.of(new RuleAction.ToPort(2))));
        lab.send(0, Lab.ping(H2, H1, 0, Lab.H1_IP, Lab.H2_IP, 64));
        assertEquals(List.of(1), lab.outputs(), "table 1 matched the new destination");
        assertEquals(target & 0xffff_ffffL, lab.verdict.ipv4Destination());
        assertEquals(Verdict.KEEP_IPV4, lab.verdict.ipv4Source());
    }

    @Test
    void faucetsVlanTableMatchesUntaggedFramesAndPushesTheirTag() {
        // Table 0 as Faucet writes it: the native port's untagged frames get a tag, the trunk's
        // tagged ones go on as they are; table 1 floods to the trunk tagged and to a2 popped.
        Lab lab = lab(
                new Rule(K1, 0, 10, 1, Match.all().withoutTag(), List.of(apply(Actions.VlanTag.PUSH), apply(new Actions.SetVlan(10)),
                        new RuleAction.ToTable(1))),
                new Rule("trunk", 0, 10, 5, Match.all().withVlan(10), List.of(new RuleAction.ToTable(1))),
                new Rule("a2", 0, 10, 2, Match.all(), List.of(new RuleAction.ToTable(1))),
                new Rule("untagged", 1, 20, Rule.ANY_PORT, Match.all().withoutTag(), List.of(new RuleAction.ToPort(1))),
                new Rule("flood", 1, 10, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToPort(5), apply(Actions.VlanTag.POP),
                        new RuleAction.ToPort(2))));
        // Three rounds: the first learns the three stations (each a new FDB generation), the cache
        // entries of the second are current, the third hits.
        for (int i = 0; i < 3; i++) {
            lab.send(0, l2(H2, H1, 0));
            assertEquals(List.of(4, 1), lab.outputs(), "a1's frame, tagged in table 0: no longer untagged in table 1");
            assertEquals(List.of(Verdict.TAG_PUSHED, Verdict.TAG_POPPED), tags(lab.verdict));
            lab.send(4, l2(H1, H2, 10));
            assertEquals(List.of(1), lab.outputs(), "the trunk's tagged frame: the trunk skipped, a2 popped");
            lab.send(1, l2(H2, H3, 0));
            assertEquals(List.of(0), lab.outputs(), "a2's frame kept no tag: vlan_vid=none in table 1");
        }
        assertEquals(3, lab.pipeline.counter(PipelineCounter.EMC_HITS), "vlan_vid=none keeps the cache");
    }
}
