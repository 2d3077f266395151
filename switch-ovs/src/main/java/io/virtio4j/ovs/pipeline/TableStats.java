package io.virtio4j.ovs.pipeline;

/** One flow table's counters ({@code ovs-ofctl dump-tables}): lookups on cache misses and how many matched a flow. */
public record TableStats(int table, String name, long lookups, long matched) {
}
