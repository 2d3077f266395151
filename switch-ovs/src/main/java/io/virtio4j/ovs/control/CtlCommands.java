package io.virtio4j.ovs.control;

import java.util.List;
import java.util.Map;

/**
 * Every command a running switch answers, known without a switch: the offline usage of
 * {@code ctl --help} and {@code ctl COMMAND --help} is printed from here, and the switch registers
 * its commands with these help lines ({@link CommandRegistry#register(String, ControlCommand.Handler)}),
 * so the two cannot drift apart. The JSON field names are the stable contract of {@code --json}
 * (docs/switch-config.md lists them); a test compares them with what a running switch answers.
 */
final class CtlCommands {
    /** The option that asks for a table as JSON instead of text; every command takes it. */
    static final String JSON = "--json";
    /** The option that resets the PMD figures ({@code pmd-stats --clear}). */
    static final String CLEAR = "--clear";

    /**
     * One command.
     *
     * @param name    the request word
     * @param help    one line for {@code help}
     * @param fields  the JSON field names of each row; a command whose rows take another shape in
     *                another l3 mode lists one set per shape; "..." ends a set whose further fields
     *                are data (one per counter in {@code port-stats})
     * @param options the command's own options (beyond {@code --json}) and what each does
     * @param arguments the words it takes after its name, as its usage shows them ({@code [LOGGER LEVEL]}), or ""
     */
    record Entry(String name, String help, List<List<String>> fields, Map<String, String> options, String arguments) {
        Entry(String name, String help, List<List<String>> fields, Map<String, String> options) {
            this(name, help, fields, options, "");
        }
    }

    static final List<Entry> ALL = java.util.stream.Stream.concat(List.of(
            entry("help", "list the commands", List.of("command", "help")),
            entry("ports", "ports: type, socket or interface, state, VLANs, PMD, frames and bytes each way, switch and device drops",
                    List.of("port", "index", "type", "target", "state", "vlan", "pmd", "rx_frames", "rx_bytes", "tx_frames",
                            "tx_bytes", "dropped", "device_drops")),
            new Entry("pmd-stats", "per PMD thread: frames, busy and idle time, busy ns per frame (like pmd-stats-show)",
                    List.of(List.of("pmd", "frames", "polls", "sleeps", "busy_ms", "idle_ms", "busy_pct", "busy_ns_per_frame")),
                    Map.of(CLEAR, "start the figures again from zero (like pmd-stats-clear); answers the number of PMDs cleared")),
            entry("fdb", "learned MACs: port, VLAN, MAC, age in seconds (like ovs-appctl fdb/show), and for a MAC"
                    + " learned on a vxlan port the remote VTEP it sits behind",
                    List.of("port", "vlan", "mac", "age", "vtep")),
            entry("fdb-flush", "forget every learned MAC (like ovs-appctl fdb/flush)", List.of("flushed")),
            entry("flows", "the flow program with packet counts (like ovs-ofctl dump-flows)", List.of("flow")),
            entry("tables", "per flow table: lookups and matches (like ovs-ofctl dump-tables)",
                    List.of("table", "name", "lookups", "matched")),
            entry("drops", "frames dropped, per reason", List.of("reason", "frames")),
            entry("pipeline", "frames, exact-match cache hits and misses, replies sent", List.of("counter", "value")),
            new Entry("routes", "the routing table: with ovs-only the live routes each VLAN uses; otherwise the connected"
                    + " subnets and static routes", List.of(
                            List.of("vlan", "destination", "via", "out_vlan", "source_mac"),
                            List.of("destination", "via", "vlan", "gateway", "gateway_mac", "l3")), Map.of()),
            entry("neighbours", "neighbours (IP to MAC per VLAN): static ones, and with ovs-only the learned ones",
                    List.of("vlan", "ip", "mac", "source")),
            entry("counters", "every counter, grouped by port, PMD and drop reason", List.of("group", "counter", "value")),
            entry("port-stats", "per-port counters, one row per port (labels port:NAME:COUNTER), then the last second's"
                    + " rates: rx_pps, tx_pps, rx_bps, tx_bps", List.of("port", "...")),
            entry("refusals", "per vhost-user port: what its front-end had refused, by reason (vhost_* protocol"
                    + " refusals, chain_* refused descriptor chains)", List.of("port", "reason", "count")),
            entry("control", "control socket clients: answered, refused, timed out",
                    List.of("accepted", "answered", "errors", "busy", "oversized", "timed_out", "disconnected")),
            entry("openflow", "the OpenFlow agent (openflow = ptcp:PORT): where it listens, connections, messages, refusals",
                    List.of("listen", "open", "accepted", "refused", "messages_in", "messages_out", "errors_sent",
                            "malformed", "unsupported", "refused_by_role", "closed_by_protocol", "timed_out", "flow_mods",
                            "packet_outs", "packet_out_dropped", "packet_ins", "packet_in_dropped", "port_status")),
            new Entry("log-level", "log levels (the root's and every logger's own); with LOGGER LEVEL sets one at run time"
                    + " (trace, debug, info, warn, error, off; default: inherit again)",
                    List.of(List.of("logger", "level", "effective")), Map.of(), "[LOGGER LEVEL]"),
            new Entry("capture", "capture a port's frames into a pcap file, as on the port's wire (like ovs-tcpdump);"
                    + " answers at once, the capture ends at --count frames (default 10000) or --seconds (default 60)",
                    List.of(List.of("port", "direction", "count", "seconds", "file")), Map.of(),
                    "PORT [rx|tx|both] [--count N] [--seconds S] --write FILE"),
            entry("captures", "running and recent captures: frames and bytes written, frames not captured (ring full),"
                    + " state (running, done, failed, port-removed)",
                    List.of("port", "direction", "state", "frames", "bytes", "not_captured", "file"))).stream(),
            // The commands that change the running switch keep their catalog beside their code.
            java.util.stream.Stream.concat(ReconfigCommands.CATALOG.stream(), VtepCommands.CATALOG.stream())).toList();

    private CtlCommands() {
    }

    private static Entry entry(String name, String help, List<String> fields) {
        return new Entry(name, help, List.of(fields), Map.of());
    }

    /** The entry for {@code name}, or null when it is not a command this version knows. */
    static Entry find(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }

    /** The help line of {@code name}; a command missing here is a programming error. */
    static String help(String name) {
        Entry entry = find(name);
        if (entry == null) {
            throw new IllegalArgumentException("control command '" + name + "' is not in CtlCommands");
        }
        return entry.help();
    }
}
