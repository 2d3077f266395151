package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.BROADCAST;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.H2_IP;
import static io.virtio4j.ovs.testing.Lab.arpRequest;
import static io.virtio4j.ovs.testing.Lab.l2;
import static io.virtio4j.ovs.testing.Lab.ping;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.ControllerFlows.Rule;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.testing.Lab;

/**
 * OpenFlow's tables in the flow program: they run after VLAN admission and before the built-in
 * tables, NORMAL hands a frame on to those, a miss drops (TABLE_MISS), and a flow on a field
 * outside the exact-match cache's key makes the pipeline translate every frame.
 */
class OpenFlowTablesTest {
    private static final Object K1 = "k1";
    private static final Object K2 = "k2";

    private static ControllerFlows flows(Rule... rules) {
        return new ControllerFlows(List.of(rules), Lab.portNumbers());
    }

    @Test
    void aLoneNormalFlowLeavesTheBuiltInProgramAsItWasAndCountsAdmittedFrames() {
        Lab plain = new Lab(L3Mode.NONE);
        // Any priority and cookie: table 0 matching everything with NORMAL alone.
        Lab openflow = new Lab(L3Mode.NONE, flows(new Rule(K1, 0, 5, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToNormal()))));
        assertEquals(plain.pipeline.flows(), openflow.pipeline.flows(), "no OpenFlow table in the program");
        Lab two = new Lab(L3Mode.NONE, flows(new Rule(K1, 0, 5, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToNormal())),
                new Rule(K2, 0, 9, 1, Match.all(), List.of(new RuleAction.ToNormal()))));
        assertEquals(plain.pipeline.flows().size() + 2, two.pipeline.flows().size(), "an OpenFlow table with both flows");
        openflow.send(0, l2(BROADCAST, H1, 0));
        openflow.send(0, l2(BROADCAST, H1, 0));
        openflow.send(0, l2(BROADCAST, H1, 99)); // tagged on an access port: not admitted
        assertEquals(2L, openflow.pipeline.controllerPackets().get(K1));
        long classified = openflow.pipeline.tables().get(1).lookups();
        assertTrue(classified > 0);
        assertEquals(classified, openflow.pipeline.openflowTable(0).matched(), "what reached classify (cache misses)");
    }

    @Test
    void portToPortFlowsSteerAndAMissDropsAsTableMiss() {
        // in_port=1 (a1) -> output:2 (a2); nothing else: a2's frames miss.
        Lab lab = new Lab(L3Mode.NONE, flows(new Rule(K1, 0, 100, 1, Match.all(), List.of(new RuleAction.ToPort(2)))));
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1), lab.outputs());
        lab.send(1, l2(H1, H2, 0));
        assertEquals(DropReason.TABLE_MISS, lab.verdict.drop());
        assertEquals(1, lab.pipeline.drops(DropReason.TABLE_MISS));
        assertEquals(1L, lab.pipeline.controllerPackets().get(K1));
    }

    @Test
    void anOutputToTheIngressPortDropsButInPortSendsItBack() {
        Lab lab = new Lab(L3Mode.NONE, flows(
                new Rule(K1, 0, 100, 1, Match.all(), List.of(new RuleAction.ToPort(1))),
                new Rule(K2, 0, 100, 2, Match.all(), List.of(new RuleAction.ToInPort()))));
        lab.send(0, l2(H2, H1, 0));
        assertEquals(DropReason.SAME_PORT, lab.verdict.drop());
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(1), lab.outputs());
    }

    @Test
    void normalAfterARewriteLearnsAndFloodsWithinTheVlan() {
        Lab lab = new Lab(L3Mode.NONE, flows(
                new Rule(K1, 0, 10, Rule.ANY_PORT, Match.all(), List.of(
                        new RuleAction.Apply(new Actions.SetEthDst(BROADCAST)), new RuleAction.ToNormal()))));
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1, 4), lab.outputs(), "rewritten to broadcast: VLAN 10's flood");
        assertEquals(BROADCAST, lab.verdict.ethDestination());
    }

    @Test
    void gotoTableFloodAndVlanMatches() {
        Lab lab = new Lab(L3Mode.NONE, flows(
                new Rule(K1, 0, 10, Rule.ANY_PORT, Match.all().withVlan(20), List.of(new RuleAction.ToTable(3))),
                new Rule(K2, 3, 10, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToFlood("FLOOD")))));
        lab.send(2, l2(H1, H2, 0)); // b1: VLAN 20
        assertEquals(List.of(3, 4), lab.outputs());
        lab.send(0, l2(H1, H2, 0)); // a1: VLAN 10 misses table 0
        assertEquals(DropReason.TABLE_MISS, lab.verdict.drop());
        assertEquals(1L, lab.pipeline.controllerPackets().get(K2));
    }

    @Test
    void decNwTtlAndSetFieldReachTheVerdict() {
        Match ip = Match.all().withEthType(Ethernet.TYPE_IPV4);
        Lab lab = new Lab(L3Mode.NONE, flows(new Rule(K1, 0, 10, 1, ip, List.of(
                new RuleAction.Apply(new Actions.SetEthSrc(0x0200_0000_00aaL)), new RuleAction.Apply(new Actions.DecNwTtl()),
                new RuleAction.ToPort(2)))));
        lab.send(0, ping(H2, H1, 0, H1_IP, H2_IP, 64));
        assertEquals(List.of(1), lab.outputs());
        assertTrue(lab.verdict.decrementTtl());
        assertEquals(0x0200_0000_00aaL, lab.verdict.ethSource());
        lab.send(0, ping(H2, H1, 0, H1_IP, H2_IP, 1));
        assertEquals(DropReason.TTL_EXPIRED, lab.verdict.drop());
    }

    @Test
    void aFlowOnAFieldOutsideTheCacheKeyBypassesTheCache() {
        // Same key (in_port, VLAN, eth_dst, type, nw_dst), different sources: different decisions.
        Match fromH1 = Match.all().withEthType(Ethernet.TYPE_IPV4).withNwSrc(new Ipv4Prefix(H1_IP, 32));
        Lab lab = new Lab(L3Mode.NONE, flows(
                new Rule(K1, 0, 20, Rule.ANY_PORT, fromH1, List.of(new RuleAction.ToPort(2))),
                new Rule(K2, 0, 10, Rule.ANY_PORT, Match.all(), List.of())));
        byte[] a = ping(H2, H1, 0, H1_IP, H2_IP, 64);
        byte[] b = ping(H2, H1, 0, H2_IP, H2_IP, 64);
        for (int i = 0; i < 3; i++) {
            lab.send(0, a);
            assertEquals(List.of(1), lab.outputs());
            lab.send(0, b);
            assertEquals(DropReason.FLOW_DROP, lab.verdict.drop(), "an empty action list drops");
        }
        assertEquals(0, lab.pipeline.counter(PipelineCounter.EMC_HITS));
        assertEquals(3L, lab.pipeline.controllerPackets().get(K1));
        assertEquals(3L, lab.pipeline.controllerPackets().get(K2));
    }

    @Test
    void normalFromAnOpenFlowTableRoutesInOvsOnlyMode() {
        // Two NORMAL flows: not the lone default, so the program has an OpenFlow table before classify.
        Lab lab = new Lab(L3Mode.OVS_ONLY, flows(
                new Rule(K1, 0, 10, 1, Match.all(), List.of(new RuleAction.ToNormal())),
                new Rule(K2, 0, 0, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToNormal()))));
        assertTrue(lab.pipeline.flows().stream().anyMatch(l -> l.contains("table=4,")), "openflow0 is table 4");
        lab.send(2, arpRequest(H2, H2_IP, Lab.GW20, 0)); // H2 asks for its gateway: answered, learned
        assertEquals(60, lab.verdict.replyLength());
        lab.send(0, ping(Lab.GW10_MAC, H1, 0, H1_IP, H2_IP, 64));
        assertEquals(DropReason.NONE, lab.verdict.drop());
        assertEquals(List.of(2), lab.outputs(), "routed to H2 on VLAN 20");
        assertEquals(20, lab.verdict.egressVlan());
        assertEquals(Lab.GW20_MAC, lab.verdict.ethSource());
        assertTrue(lab.verdict.decrementTtl());
        assertEquals(1L, lab.pipeline.controllerPackets().get(K1));
        assertEquals(1L, lab.pipeline.controllerPackets().get(K2));
    }

    @Test
    void flowsOnKeyFieldsKeepTheCache() {
        Lab lab = new Lab(L3Mode.NONE, flows(new Rule(K1, 0, 100, 1, Match.all().withEthDst(H2), List.of(new RuleAction.ToPort(2)))));
        for (int i = 0; i < 4; i++) {
            lab.send(0, l2(H2, H1, 0));
            assertEquals(List.of(1), lab.outputs());
        }
        // The first frame learned H1 (a new FDB generation: one more miss), then the cache serves.
        assertEquals(2, lab.pipeline.counter(PipelineCounter.EMC_HITS));
        assertFalse(lab.pipeline.flows().isEmpty());
    }
}
