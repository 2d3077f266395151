/**
 * The virtio-net data plane over the rings a session hands over, as DPDK's {@code virtio_net.c}:
 * {@link io.virtio4j.vhostuser.net.VhostUserNetPort} (a {@code RingListener} per port) with its
 * {@link io.virtio4j.vhostuser.net.ActiveQueue}s, interrupts to the guest
 * ({@link io.virtio4j.vhostuser.net.CallSignaller}, and {@link io.virtio4j.vhostuser.net.CallRelay} for
 * the front-end role), frames held across bursts ({@link io.virtio4j.vhostuser.net.HeldFrames}) and the
 * frame callbacks ({@link io.virtio4j.vhostuser.net.FrameHandler},
 * {@link io.virtio4j.vhostuser.net.InPlaceFrameHandler}). Internal: exported to the switch only.
 */
package io.virtio4j.vhostuser.net;
