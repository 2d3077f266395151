/**
 * The {@code vhost-net:} backend: the kernel's vhost worker runs the rings and moves frames between
 * them and a TAP, and this process only sets them up. {@link io.virtio4j.vhostnet.VhostNetDevice} wraps one
 * open {@code /dev/vhost-net} (FFM ioctls through the platform; every refusal a
 * {@link io.virtio4j.vhostnet.VhostException} naming the remedy), {@link io.virtio4j.vhostnet.VhostNetBackend}
 * starts one device per queue pair, and {@link io.virtio4j.vhostnet.VhostNetBackendProvider} registers
 * {@code vhost-net:tap=NAME[,queues=N]}. Request numbers and struct layouts are in
 * {@code io.virtio4j.vhostnet.bindings}.
 */
package io.virtio4j.vhostnet;
