package io.virtio4j.ovs.flow;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.l3.NeighbourTable;
import io.virtio4j.ovs.l3.RouteEntry;
import io.virtio4j.ovs.l3.Routes;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.pipeline.DropReason;

/**
 * Writes the flow program for a switch spec, as an OVS controller would:
 *
 * <pre>
 * table 0 ingress   access port: untagged -> mod_vlan_vid:V; trunk: tag V it carries; else drop(vlan_not_allowed)
 * table 1 classify  none/ipforward: NORMAL (the ipforward gateway NICs are ordinary ports of their subnet's VLAN)
 *                   ovs-only, per subnet VLAN V with gateway G at MAC M:
 *                     300 ARP for G, IPv4 to M for any gateway address -> gateway (the switch answers)
 *                     200 IPv4 to M -> goto routing
 *                     100 anything else to M -> drop(to_gateway)
 *                   0 NORMAL
 * table 2 routing   per ingress VLAN and route, priority from the prefix length (longest prefix wins):
 *                     dec_ttl, eth_src := egress gateway MAC, next_hop, mod_vlan_vid:egress, goto neighbour
 *                   0 drop(no_route)
 * table 3 neighbour resolve_neighbour (eth_dst := MAC of next_hop on the egress VLAN), NORMAL
 * </pre>
 *
 * Only table 2 changes a frame's VLAN, so nothing crosses VLANs except by being routed.
 *
 * <p>Flows installed through OpenFlow ({@link ControllerFlows}) go in tables numbered after these
 * ({@code openflow0}, ...), run between the ingress table and classify: the ingress table then goes
 * to {@code openflow0}, {@code NORMAL} goes to classify, a miss drops (TABLE_MISS). When the only
 * OpenFlow flow is table 0's catch-all {@code NORMAL} (as a switch starts), there is no OpenFlow
 * table at all and the program is exactly the one above.
 */
public final class FlowProgramBuilder {
    /** Table 0: admits a frame to its VLAN by port and tag. */
    public static final int TABLE_INGRESS = 0;
    /** Table 1: L2 forwarding, or on to routing for the gateway's MAC. */
    public static final int TABLE_CLASSIFY = 1;
    /** Table 2: longest-prefix routes, rewriting source MAC and VLAN. */
    public static final int TABLE_ROUTING = 2;
    /** Table 3: the next hop's MAC, then forwarding on the egress VLAN. */
    public static final int TABLE_NEIGHBOUR = 3;

    private final List<List<FlowEntry>> tables = new ArrayList<>();
    private int nextId;

    private FlowProgramBuilder() {
    }

    /** The program for {@code spec}; routing tables only when its L3 mode is ovs-only. */
    public static FlowProgram build(SwitchSpec spec, Fdb fdb, NeighbourTable neighbours) {
        return build(spec, spec.l3() == L3Mode.OVS_ONLY ? Routes.of(spec) : List.of(), fdb, neighbours);
    }

    /** As {@link #build(SwitchSpec, Fdb, NeighbourTable)} with the routes already worked out ({@link Routes#of}). */
    public static FlowProgram build(SwitchSpec spec, List<RouteEntry> routes, Fdb fdb, NeighbourTable neighbours) {
        return build(spec, routes, fdb, neighbours, ControllerFlows.DEFAULT);
    }

    /** As {@link #build(SwitchSpec, List, Fdb, NeighbourTable)}, with the OpenFlow tables {@code flows} holds. */
    public static FlowProgram build(SwitchSpec spec, List<RouteEntry> routes, Fdb fdb, NeighbourTable neighbours,
                                    ControllerFlows flows) {
        FlowProgramBuilder b = new FlowProgramBuilder();
        Actions.Normal normal = new Actions.Normal(fdb);
        int builtIn = spec.l3() == L3Mode.OVS_ONLY ? TABLE_NEIGHBOUR + 1 : TABLE_CLASSIFY + 1;
        boolean openflow = !flows.onlyNormal();
        b.ingress(spec, openflow ? builtIn : TABLE_CLASSIFY);
        if (spec.l3() == L3Mode.OVS_ONLY) {
            b.gatewayClassification(spec);
            b.add(TABLE_CLASSIFY, 0, Match.all(), normal);
            b.routing(routes);
            b.add(TABLE_NEIGHBOUR, 0, Match.all(), new Actions.ResolveNeighbour(neighbours), normal);
        } else {
            b.add(TABLE_CLASSIFY, 0, Match.all(), normal);
        }
        if (!openflow) {
            return b.program(null, flows.rules().get(0).counterKey(), null);
        }
        int tables = flows.tablesUsed();
        while (b.tables.size() < builtIn + tables) {
            b.tables.add(new ArrayList<>());
        }
        java.util.Map<Long, Integer> indexOf = new java.util.HashMap<>();
        for (int i = 0; i < spec.ports().size() && flows.ports() != null; i++) {
            indexOf.put(flows.ports().numberOf(spec.ports().get(i).name()), i);
        }
        for (ControllerFlows.Rule r : flows.rules()) {
            Match m = r.match();
            if (r.inPort() != ControllerFlows.Rule.ANY_PORT) {
                Integer port = indexOf.get(r.inPort());
                if (port == null) {
                    continue; // its port is not in this switch (removed): it can match nothing
                }
                m = m.withInPort(port);
            }
            List<Action> actions = new ArrayList<>();
            for (RuleAction a : r.actions()) {
                actions.add(switch (a) {
                    case RuleAction.ToPort p -> indexOf.containsKey(p.ofport())
                            ? new Actions.OpenFlowOutput(indexOf.get(p.ofport())) : new Actions.Drop(DropReason.FLOW_DROP);
                    case RuleAction.ToInPort p -> new Actions.OutputInPort();
                    case RuleAction.ToNormal n -> new Actions.GotoTable(TABLE_CLASSIFY);
                    case RuleAction.ToFlood f -> new Actions.Flood(f.name());
                    case RuleAction.ToTable t -> new Actions.GotoTable(builtIn + t.table());
                    case RuleAction.ToController c -> new Actions.ToController(c.maxLength(),
                            r.tableMiss() ? Actions.ToController.NO_MATCH : Actions.ToController.ACTION, r.table(), c.cookie());
                    case RuleAction.Apply x -> x.action();
                });
            }
            if (actions.isEmpty()) {
                actions.add(new Actions.Drop(DropReason.FLOW_DROP)); // OpenFlow's empty action list: drop
            }
            b.tables.get(builtIn + r.table()).add(new FlowEntry(b.nextId++, builtIn + r.table(), r.priority(), m, actions,
                    r.counterKey()));
        }
        // Evaluation order: ingress, the OpenFlow tables, then the built-in ones from classify on.
        int[] rank = new int[builtIn + tables];
        for (int t = 0; t < rank.length; t++) {
            rank[t] = t == TABLE_INGRESS ? 0 : t >= builtIn ? 1 + t - builtIn : tables + t;
        }
        return b.program(rank, null, new TunnelIds(spec.ports()));
    }

    private void ingress(SwitchSpec spec, int admitTo) {
        Actions.GotoTable next = new Actions.GotoTable(admitTo);
        for (int port = 0; port < spec.ports().size(); port++) {
            PortVlan pv = spec.ports().get(port).vlan();
            Match onPort = Match.all().withInPort(port);
            if (pv.isTrunk()) {
                for (int vlan : pv.trunkVlans().stream().sorted().toList()) {
                    add(TABLE_INGRESS, 100, onPort.withVlan(vlan), next);
                }
            } else {
                add(TABLE_INGRESS, 100, onPort.withVlan(0), new Actions.SetVlan(pv.accessVlan()), next);
            }
        }
        add(TABLE_INGRESS, 0, Match.all(), new Actions.Drop(DropReason.VLAN_NOT_ALLOWED));
    }

    private void gatewayClassification(SwitchSpec spec) {
        Actions.Gateway gateway = new Actions.Gateway();
        for (SubnetSpec s : spec.subnets()) {
            Match onVlan = Match.all().withVlan(s.vlan());
            add(TABLE_CLASSIFY, 300, onVlan.withEthType(Ethernet.TYPE_ARP).withNwDst(host(s.gateway())), gateway);
            Match toGatewayMac = onVlan.withEthDst(s.gatewayMac());
            for (SubnetSpec any : spec.subnets()) {
                add(TABLE_CLASSIFY, 300, toGatewayMac.withEthType(Ethernet.TYPE_IPV4).withNwDst(host(any.gateway())), gateway);
            }
            add(TABLE_CLASSIFY, 200, toGatewayMac.withEthType(Ethernet.TYPE_IPV4), new Actions.GotoTable(TABLE_ROUTING));
            add(TABLE_CLASSIFY, 100, toGatewayMac, new Actions.Drop(DropReason.TO_GATEWAY));
        }
    }

    private void routing(List<RouteEntry> routes) {
        for (RouteEntry r : routes) {
            Match m = Match.all().withVlan(r.ingressVlan()).withEthType(Ethernet.TYPE_IPV4).withNwDst(r.destination());
            // Longer prefixes first; among equal prefixes connected beats a VLAN's static route beats a global one.
            int priority = 100 + r.destination().length() * 4 + r.precedence();
            add(TABLE_ROUTING, priority, m, new Actions.DecTtl(), new Actions.SetEthSrc(r.gatewayMac()),
                    new Actions.SetNextHop(r.nextHop()), new Actions.SetVlan(r.egressVlan()),
                    new Actions.GotoTable(TABLE_NEIGHBOUR));
        }
        add(TABLE_ROUTING, 0, Match.all(), new Actions.Drop(DropReason.NO_ROUTE));
    }

    private static Ipv4Prefix host(int ip) {
        return new Ipv4Prefix(ip, 32);
    }

    private void add(int table, int priority, Match match, Action... actions) {
        while (tables.size() <= table) {
            tables.add(new ArrayList<>());
        }
        tables.get(table).add(new FlowEntry(nextId++, table, priority, match, List.of(actions)));
    }

    private FlowProgram program(int[] rank, Object admittedKey, TunnelIds tunnels) {
        List<FlowTable> out = new ArrayList<>();
        String[] names = {"ingress", "classify", "routing", "neighbour"};
        for (int i = 0; i < tables.size(); i++) {
            int openflowTable = rank == null ? -1 : rank[i] - 1;
            boolean openflow = rank != null && i != TABLE_INGRESS && rank[i] < rank[TABLE_CLASSIFY];
            out.add(openflow ? new FlowTable(i, "openflow" + openflowTable, tables.get(i), DropReason.TABLE_MISS)
                    : new FlowTable(i, names[i], tables.get(i)));
        }
        return new FlowProgram(out, rank, admittedKey, tunnels);
    }
}
