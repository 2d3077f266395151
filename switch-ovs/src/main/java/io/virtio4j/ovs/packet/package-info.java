/**
 * Header layouts of the frames the switch looks into (Ethernet, 802.1Q, ARP, IPv4, ICMP) as offset
 * constants, big-endian accessors over a {@link java.lang.foreign.MemorySegment}, a bounds-checked
 * parser that fills a reusable {@link io.virtio4j.ovs.packet.ParsedFrame}, and the Internet
 * checksum helpers (full sum and the RFC 1624 incremental update the executor applies after a TTL
 * decrement).
 */
package io.virtio4j.ovs.packet;
