package io.virtio4j.ovs.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.l3.NeighbourTable;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;

class FlowProgramBuilderTest {
    private static final List<PortSpec> PORTS = List.of(
            PortSpec.access("a", PortType.IN_PROCESS, "a", 10),
            new PortSpec("t", PortType.IN_PROCESS, "t", Duration.ofSeconds(1), PortVlan.trunk(Set.of(20, 10)), 1, -1));
    private static final List<SubnetSpec> SUBNETS = List.of(
            new SubnetSpec("n10", 10, Ipv4Prefix.parse("10.0.1.0/24"), Ipv4.parse("10.0.1.1"), 0x0200_0000_0101L),
            new SubnetSpec("n20", 20, Ipv4Prefix.parse("10.0.2.0/24"), Ipv4.parse("10.0.2.1"), 0x0200_0000_0201L));

    private static FlowProgram build(L3Mode mode, List<RouteSpec> routes) {
        SwitchSpec spec = new SwitchSpec(mode, 1, FdbSpec.DEFAULT, PORTS, SUBNETS, routes, List.of());
        return FlowProgramBuilder.build(spec, new Fdb(spec.fdb(), 0), new NeighbourTable(spec, 0));
    }

    @Test
    void l2OnlyProgramsAreIngressThenNormal() {
        List<String> flows = build(L3Mode.IPFORWARD, List.of()).dump(new long[0]);
        assertEquals(List.of(
                " table=0, priority=100, n_packets=0, in_port=0,vlan_tci=0x0000 actions=mod_vlan_vid:10,goto_table:1",
                " table=0, priority=100, n_packets=0, in_port=1,dl_vlan=10 actions=goto_table:1",
                " table=0, priority=100, n_packets=0, in_port=1,dl_vlan=20 actions=goto_table:1",
                " table=0, priority=0, n_packets=0, actions=drop(vlan_not_allowed)",
                " table=1, priority=0, n_packets=0, actions=NORMAL"), flows);
    }

    @Test
    void ovsOnlyProgramsRouteByPrefixLengthThenResolveTheNeighbour() {
        FlowProgram p = build(L3Mode.OVS_ONLY, List.of(new RouteSpec(20, Ipv4Prefix.parse("0.0.0.0/0"), Ipv4.parse("10.0.1.9"))));
        assertEquals(4, p.tableCount());
        List<String> flows = p.dump(new long[p.flowCount()]);
        assertTrue(flows.contains(" table=1, priority=300, n_packets=0, dl_vlan=10,arp,arp_tpa=10.0.1.1/32 actions=gateway"), String.join("\n", flows));
        assertTrue(flows.contains(" table=1, priority=200, n_packets=0, dl_vlan=20,dl_dst=02:00:00:00:02:01,ip actions=goto_table:2"));
        assertTrue(flows.contains(" table=1, priority=100, n_packets=0, dl_vlan=20,dl_dst=02:00:00:00:02:01 actions=drop(to_gateway)"));
        List<String> routing = flows.stream().filter(l -> l.startsWith(" table=2")).toList();
        assertEquals(List.of(
                " table=2, priority=199, n_packets=0, dl_vlan=10,ip,nw_dst=10.0.1.0/24 actions=dec_ttl,set_field:02:00:00:00:01:01->eth_src,move:nw_dst->next_hop,mod_vlan_vid:10,goto_table:3",
                " table=2, priority=199, n_packets=0, dl_vlan=10,ip,nw_dst=10.0.2.0/24 actions=dec_ttl,set_field:02:00:00:00:02:01->eth_src,move:nw_dst->next_hop,mod_vlan_vid:20,goto_table:3",
                " table=2, priority=199, n_packets=0, dl_vlan=20,ip,nw_dst=10.0.1.0/24 actions=dec_ttl,set_field:02:00:00:00:01:01->eth_src,move:nw_dst->next_hop,mod_vlan_vid:10,goto_table:3",
                " table=2, priority=199, n_packets=0, dl_vlan=20,ip,nw_dst=10.0.2.0/24 actions=dec_ttl,set_field:02:00:00:00:02:01->eth_src,move:nw_dst->next_hop,mod_vlan_vid:20,goto_table:3",
                " table=2, priority=102, n_packets=0, dl_vlan=20,ip,nw_dst=0.0.0.0/0 actions=dec_ttl,set_field:02:00:00:00:01:01->eth_src,load:10.0.1.9->next_hop,mod_vlan_vid:10,goto_table:3",
                " table=2, priority=0, n_packets=0, actions=drop(no_route)"), routing);
        assertEquals(" table=3, priority=0, n_packets=0, actions=resolve_neighbour(next_hop)->eth_dst,NORMAL",
                flows.get(flows.size() - 1));
    }

    @Test
    void aStaticRouteMustLeadIntoASubnetAndNotToAGateway() {
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> build(L3Mode.OVS_ONLY,
                List.of(new RouteSpec(0, Ipv4Prefix.parse("192.168.0.0/16"), Ipv4.parse("172.16.0.1")))));
        assertTrue(outside.getMessage().contains("172.16.0.1 is in none of the switch's subnets"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> build(L3Mode.OVS_ONLY,
                List.of(new RouteSpec(0, Ipv4Prefix.parse("192.168.0.0/16"), Ipv4.parse("10.0.2.1")))));
    }

    @Test
    void gotoMustGoForward() {
        FlowTable t0 = new FlowTable(0, "a", List.of(new FlowEntry(0, 0, 1, Match.all(), List.of(new Actions.GotoTable(0)))));
        assertThrows(IllegalArgumentException.class, () -> new FlowProgram(List.of(t0)));
        FlowTable t1 = new FlowTable(0, "a", List.of(new FlowEntry(0, 0, 1, Match.all(), List.of(new Actions.GotoTable(5)))));
        assertThrows(IllegalArgumentException.class, () -> new FlowProgram(List.of(t1)));
    }

    @Test
    void aTableMissDropsAndAFlowWithoutOutputDrops() {
        FlowTable t0 = new FlowTable(0, "in", List.of(new FlowEntry(0, 0, 1, Match.all().withInPort(3),
                List.of(new Actions.SetVlan(7), new Actions.GotoTable(1)))));
        FlowTable t1 = new FlowTable(1, "x", List.of(new FlowEntry(1, 1, 1, Match.all(), List.of(new Actions.SetEthSrc(5)))));
        FlowProgram p = new FlowProgram(List.of(t0, t1));
        io.virtio4j.ovs.packet.ParsedFrame f = new io.virtio4j.ovs.packet.ParsedFrame();
        byte[] frame = new byte[60];
        frame[12] = 0x12;
        f.parse(java.lang.foreign.MemorySegment.ofArray(frame), 60, 60);
        Translation t = new Translation();
        Resolution r = new Resolution();
        Counters lookups = new Counters(2);
        Counters matches = new Counters(2);
        t.start(f, 3, 0, r);
        p.translate(t, lookups, matches);
        assertEquals(DropReason.FLOW_DROP, r.drop(), "no output action");
        assertEquals(7, r.ingressVlan());
        t.start(f, 2, 0, r);
        p.translate(t, lookups, matches);
        assertEquals(DropReason.VLAN_NOT_ALLOWED, r.drop(), "a miss in the ingress table");
        assertEquals(0, r.ingressVlan());
        assertEquals(2, lookups.get(0));
        assertEquals(1, matches.get(0));
        assertEquals(1, lookups.get(1));
    }
}
