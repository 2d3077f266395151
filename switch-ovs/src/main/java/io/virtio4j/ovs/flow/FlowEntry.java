package io.virtio4j.ovs.flow;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One flow: in {@code table}, at {@code priority}, frames matching {@code match} get {@code actions}.
 * {@code id} indexes the packet counters.
 */
public final class FlowEntry {
    private final int id;
    private final int table;
    private final int priority;
    private final Match match;
    private final Action[] actions;
    /** The OpenFlow flow this entry was made from ({@link ControllerFlows.Rule#counterKey()}), null for a built-in one. */
    private final Object counterKey;

    FlowEntry(int id, int table, int priority, Match match, List<Action> actions) {
        this(id, table, priority, match, actions, null);
    }

    FlowEntry(int id, int table, int priority, Match match, List<Action> actions, Object counterKey) {
        this.counterKey = counterKey;
        this.id = id;
        this.table = table;
        this.priority = priority;
        this.match = match;
        this.actions = actions.toArray(Action[]::new);
    }

    /** The entry's id, unique in its program (its packet counter's index). */
    public int id() {
        return id;
    }

    /** The table the entry is in. */
    public int table() {
        return table;
    }

    /** Its priority: the highest-priority match wins. */
    public int priority() {
        return priority;
    }

    /** What the entry matches. */
    public Match match() {
        return match;
    }

    /** Applies the actions in order until one ends the translation (drop, gateway). */
    void apply(Translation t) {
        for (int i = 0; i < actions.length && !t.stopped(); i++) {
            actions[i].apply(t);
        }
    }

    /** The OpenFlow flow's counter key, or null for a built-in flow. */
    public Object counterKey() {
        return counterKey;
    }

    List<Action> actions() {
        return List.of(actions);
    }

    /** Like a line of {@code ovs-ofctl dump-flows}. */
    public String describe(long packets) {
        String m = match.toString();
        return " table=" + table + ", priority=" + priority + ", n_packets=" + packets + ", "
                + (m.isEmpty() ? "" : m + " ")
                + "actions=" + List.of(actions).stream().map(Object::toString).collect(Collectors.joining(","));
    }
}
