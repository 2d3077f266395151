/**
 * The switch's flow program: what happens to a frame (L2 learning and forwarding within a VLAN,
 * ovs-only routing between subnets), decided from its headers into a reusable {@link io.virtio4j.ovs.pipeline.Verdict}.
 *
 * <p>{@link io.virtio4j.ovs.pipeline.OvsPipeline} is the implementation; how its verdicts are meant
 * to be executed:
 * <ul>
 *   <li>Outputs all carry {@link io.virtio4j.ovs.pipeline.Verdict#egressVlan()}: untagged to access
 *       ports, tagged with it to trunks, whatever tag the frame arrived with, unless the output's
 *       {@link io.virtio4j.ovs.pipeline.Verdict#outputTag(int)} says pushed or popped (OpenFlow's
 *       push_vlan, pop_vlan); a tag carries {@code vlanPcp()} when set. With {@code ipv4Source()}
 *       or {@code ipv4Destination()} set, the address is written and the IPv4 and TCP/UDP
 *       checksums updated.</li>
 *   <li>With {@code decrementTtl()}, the IPv4 header starts after the Ethernet header as written
 *       to that destination (14 bytes untagged, 18 tagged): call
 *       {@link io.virtio4j.ovs.packet.Checksum#decrementTtl} there. The pipeline has already
 *       dropped frames whose TTL is 1 or less.</li>
 *   <li>A reply ({@code replyLength() > 0}) is an untagged frame for the ingress port on
 *       {@code egressVlan()} (tag it if that port is a trunk). It can come with a drop: a TTL
 *       expiry is dropped (and counted) and answered with ICMP time exceeded.</li>
 *   <li>Drops are counted by the pipeline per reason; the executor counts only its own
 *       ({@code PORT_FULL}).</li>
 * </ul>
 */
package io.virtio4j.ovs.pipeline;
