/**
 * The {@code tap:} backend: a kernel TAP device as a virtio-net backend. {@link io.virtio4j.tap.TapDevice}
 * opens the TAP (setup ioctls through JNA, {@link io.virtio4j.tap.TunIoctls}); {@link io.virtio4j.tap.TapNetBackend}
 * runs one worker per queue pair that moves frames with readv/writev straight between guest buffers
 * and the TAP, behind the 12-byte {@link io.virtio4j.spi.net.VirtioNetHeader}, with offloads mapped from
 * the negotiated features ({@link io.virtio4j.tap.OffloadMapper}). {@link io.virtio4j.tap.TapBackendProvider}
 * registers {@code tap:ifname=NAME[,queues=N][,vnet_hdr=true|false]} with {@code NetBackends}.
 */
package io.virtio4j.tap;
