/**
 * The embeddable virtio-net device model (virtio 1.2 section 5.1): {@link io.virtio4j.spi.net.VirtioNetDevice}
 * negotiates features, runs the status machine, exposes the config space, executes the control
 * queue, and hands the data queues to a {@link io.virtio4j.spi.NetBackend} as a
 * {@link io.virtio4j.spi.net.NetDataPlane}.
 */
package io.virtio4j.spi.net;
