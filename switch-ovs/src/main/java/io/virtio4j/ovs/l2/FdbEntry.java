package io.virtio4j.ovs.l2;

import java.time.Duration;

/** One learned MAC as the control interface shows it ({@code ovs-appctl fdb/show}). */
public record FdbEntry(int vlan, long mac, int port, Duration age) {
}
