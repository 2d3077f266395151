/**
 * Layer 3 for the ovs-only strategy: the routes each VLAN sees (connected subnets and static
 * routes), the neighbour table (static entries and what ARP taught), and the gateway's answers
 * (ARP replies, ICMP echo replies, ICMP time exceeded) built into the verdict's reply buffer.
 */
package io.virtio4j.ovs.l3;
