package io.virtio4j.ovs.openflow;

/**
 * A switch port as OpenFlow shows it: {@code number} is the OpenFlow port number (the port's
 * index plus one: OpenFlow ports start at 1), {@code live} whether frames can flow.
 */
record OfPortView(long number, String name, boolean live, long rxPackets, long txPackets, long rxBytes, long txBytes,
                  long rxDropped, long txDropped) {
}
