package io.virtio4j.ovs.openflow;

/** One table of the switch's flow program as OpenFlow's table statistics show it. */
record OfTableView(int id, int activeCount, long lookups, long matched) {
}
