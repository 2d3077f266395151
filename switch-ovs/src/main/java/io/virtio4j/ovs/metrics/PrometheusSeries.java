package io.virtio4j.ovs.metrics;

import java.util.List;
import java.util.Locale;

/**
 * Where one counters-file counter lands in the Prometheus exposition: a metric family (its name
 * without the {@code _total} suffix the text format adds to counters), its help, and the labels
 * of this counter's sample. The mapping is by label, so a counter a later version adds still
 * appears ({@code virtio4j_counter{group,counter}}) instead of vanishing.
 *
 * @param family      the metric family name, for example {@code virtio4j_port_rx_frames}
 * @param help        the family's HELP line
 * @param labelNames  the sample's label names, in order
 * @param labelValues the sample's label values, in the same order
 * @param scale       what the counter value is multiplied by (1e-9 turns nanoseconds into seconds)
 */
public record PrometheusSeries(String family, String help, List<String> labelNames, List<String> labelValues, double scale) {
    private static final double NANOS = 1e-9;

    /** Copies the label lists. */
    public PrometheusSeries {
        labelNames = List.copyOf(labelNames);
        labelValues = List.copyOf(labelValues);
    }

    /** The series of counter {@code c} (labels {@code port:NAME:COUNTER}, {@code pmd:N:COUNTER}, {@code drop:REASON}). */
    public static PrometheusSeries of(CounterValue c) {
        String group = c.group();
        String name = c.name();
        if (group.startsWith("port:")) {
            return port(group.substring("port:".length()), name);
        }
        if (group.startsWith("pmd:")) {
            return pmd(group.substring("pmd:".length()), name);
        }
        if (group.startsWith("vtep:") && group.indexOf(':', "vtep:".length()) > 0) {
            // vtep:PORT:ADDRESS (a port name has no colon; the address none either).
            int colon = group.indexOf(':', "vtep:".length());
            return new PrometheusSeries("virtio4j_vtep_" + name, "A VXLAN port's " + name.replace('_', ' ')
                    + " to and from one remote VTEP (inner frames; refreshed once a second)",
                    List.of("port", "vtep"), List.of(group.substring("vtep:".length(), colon), group.substring(colon + 1)), 1);
        }
        if (group.startsWith("ring:") && group.indexOf(':', "ring:".length()) > 0) {
            // ring:PORT:vringN (a port name has no colon).
            int colon = group.indexOf(':', "ring:".length());
            return ring(group.substring("ring:".length(), colon), group.substring(colon + 1), name);
        }
        if (group.equals("drop")) {
            return new PrometheusSeries("virtio4j_drops", "Frames the switch dropped, by reason (switch-wide)",
                    List.of("reason"), List.of(name), 1);
        }
        return new PrometheusSeries("virtio4j_counter", "A counters-file counter without a dedicated metric",
                List.of("group", "counter"), List.of(group, name), 1);
    }

    private static PrometheusSeries port(String port, String name) {
        switch (name) {
            case "rx_frames", "tx_frames" -> {
                return perPort("virtio4j_port_" + name, "Frames the switch " + (name.startsWith("rx") ? "received from" : "sent to")
                        + " the port", port);
            }
            case "rx_bytes", "tx_bytes" -> {
                return perPort("virtio4j_port_" + name, "Frame bytes (no virtio-net header) the switch "
                        + (name.startsWith("rx") ? "received from" : "sent to") + " the port", port);
            }
            default -> {
                // Handled below by prefix.
            }
        }
        if (name.startsWith("drop_")) {
            return new PrometheusSeries("virtio4j_port_drops", "Frames dropped at the port, by reason",
                    List.of("port", "reason"), List.of(port, name.substring("drop_".length())), 1);
        }
        if (name.startsWith("chain_")) {
            return new PrometheusSeries("virtio4j_port_refused_chains",
                    "Descriptor chains the port's rings refused from its vhost-user front-end, by error",
                    List.of("port", "error"), List.of(port, name.substring("chain_".length())), 1);
        }
        if (name.startsWith("vxlan_")) {
            return new PrometheusSeries("virtio4j_vxlan_drops", "Datagrams and frames a VXLAN port dropped, by reason"
                    + " (refreshed once a second)", List.of("port", "reason"), List.of(port, name.substring("vxlan_".length())), 1);
        }
        if (name.startsWith("vnet_")) {
            return new PrometheusSeries("virtio4j_port_refused_vnet_headers",
                    "Frames dropped because the port's guest sent a virtio-net header the switch refused, by error",
                    List.of("port", "error"), List.of(port, name.substring("vnet_".length())), 1);
        }
        if (name.startsWith("vhost_")) {
            String event = name.substring("vhost_".length());
            return perPort("virtio4j_vhost_user_" + event, "vhost-user front-end " + event.replace('_', ' ')
                    + " on the port's socket", port);
        }
        return new PrometheusSeries("virtio4j_port_counter", "A port counter without a dedicated metric",
                List.of("port", "counter"), List.of(port, name), 1);
    }

    /** A vhost-user port's per-ring frame counter ({@code VhostUserNetPort}'s {@code NetPortCounter}s). */
    private static PrometheusSeries ring(String port, String ring, String name) {
        return new PrometheusSeries(("virtio4j_vhost_user_ring_" + name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"),
                "Frames one ring of a vhost-user port " + name, List.of("port", "ring"), List.of(port, ring), 1);
    }

    private static PrometheusSeries pmd(String pmd, String name) {
        return switch (name) {
            case "busy_ns" -> new PrometheusSeries("virtio4j_pmd_busy_seconds",
                    "Time the PMD thread spent in poll rounds that found frames", List.of("pmd"), List.of(pmd), NANOS);
            case "idle_ns" -> new PrometheusSeries("virtio4j_pmd_idle_seconds",
                    "Time the PMD thread spent in poll rounds that found nothing, and asleep", List.of("pmd"), List.of(pmd), NANOS);
            default -> new PrometheusSeries("virtio4j_pmd_" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"),
                    "PMD thread " + name + " (counters file pmd:N:" + name + ")", List.of("pmd"), List.of(pmd), 1);
        };
    }

    private static PrometheusSeries perPort(String family, String help, String port) {
        return new PrometheusSeries(family.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"), help, List.of("port"),
                List.of(port), 1);
    }
}
