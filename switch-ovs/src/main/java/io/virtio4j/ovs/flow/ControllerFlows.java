package io.virtio4j.ovs.flow;

import java.util.List;

/**
 * The flows installed through OpenFlow, as one immutable snapshot a pipeline is built with: the
 * OpenFlow tables run after the ingress table's VLAN admission and before the built-in tables,
 * which {@code NORMAL} hands a frame to; a frame no OpenFlow flow matches is dropped (TABLE_MISS).
 * A switch starts with {@link #DEFAULT}: one flow, table 0, priority 0, {@code actions=NORMAL},
 * for which the program is the built-in one alone (nothing more per frame than without OpenFlow).
 */
public final class ControllerFlows {
    /** OpenFlow tables a flow may be put in (ids 0..15). */
    public static final int TABLES = 16;

    /**
     * One OpenFlow flow: {@code inPort} an OpenFlow port number or {@link #ANY_PORT}; {@code match}
     * the rest of its match (no in_port); {@code counterKey} identifies the flow's packet counter
     * across programs (kept while the flow is modified).
     */
    public record Rule(Object counterKey, int table, int priority, long inPort, Match match, List<RuleAction> actions) {
        /** in_port left open. */
        public static final long ANY_PORT = -1;

        /** Copies the actions. */
        public Rule {
            actions = List.copyOf(actions);
            if (table < 0 || table >= TABLES) {
                throw new IllegalArgumentException("table " + table + " is not 0.." + (TABLES - 1));
            }
        }

        /**
         * Whether this is a table-miss flow (priority 0, every field wildcarded, in_port too): its
         * PACKET_INs say NO_MATCH rather than ACTION (spec 5.4, 7.4.1).
         */
        boolean tableMiss() {
            return priority == 0 && inPort == ANY_PORT && match == Match.all();
        }

        /** Whether this is a table 0 flow matching everything with {@code actions=NORMAL} alone. */
        boolean normalForAll() {
            return table == 0 && inPort == ANY_PORT && match == Match.all() && actions.equals(List.of(new RuleAction.ToNormal()));
        }
    }

    /** The counter key of the flow a switch starts with. */
    public static final Object DEFAULT_KEY = new Object() {
        @Override
        public String toString() {
            return "priority=0,actions=NORMAL";
        }
    };

    /** What a switch starts with: {@code table=0, priority=0, actions=NORMAL}. */
    public static final ControllerFlows DEFAULT = new ControllerFlows(
            List.of(new Rule(DEFAULT_KEY, 0, 0, Rule.ANY_PORT, Match.all(), List.of(new RuleAction.ToNormal()))), null);

    private final List<Rule> rules;
    private final PortNumbers ports;

    /** {@code ports} numbers the switch's ports (null only when no rule names a port). */
    public ControllerFlows(List<Rule> rules, PortNumbers ports) {
        this.rules = List.copyOf(rules);
        this.ports = ports;
        if (ports == null && rules.stream().anyMatch(r -> r.inPort() != Rule.ANY_PORT
                || r.actions().stream().anyMatch(a -> a instanceof RuleAction.ToPort))) {
            throw new IllegalArgumentException("flows naming ports need the port numbering");
        }
    }

    /** The flows. */
    public List<Rule> rules() {
        return rules;
    }

    /** The port numbering, or null. */
    public PortNumbers ports() {
        return ports;
    }

    /**
     * Whether the only flow is a table 0 catch-all {@code NORMAL}, whatever its priority and
     * cookie: the program is then the built-in one with no OpenFlow table at all.
     */
    public boolean onlyNormal() {
        return rules.size() == 1 && rules.get(0).normalForAll();
    }

    /** How many OpenFlow tables the program needs: up to the highest one holding a flow or gone to (at least one). */
    int tablesUsed() {
        int highest = 0;
        for (Rule r : rules) {
            highest = Math.max(highest, r.table());
            for (RuleAction a : r.actions()) {
                if (a instanceof RuleAction.ToTable t) {
                    highest = Math.max(highest, t.table());
                }
            }
        }
        return highest + 1;
    }
}
