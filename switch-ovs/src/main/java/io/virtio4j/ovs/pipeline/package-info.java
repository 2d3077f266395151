/**
 * The switch's flow program: what happens to a frame (L2 learning and forwarding within a VLAN,
 * ovs-only routing between subnets), decided from its headers into a reusable {@link io.virtio4j.ovs.pipeline.Verdict}.
 */
package io.virtio4j.ovs.pipeline;
