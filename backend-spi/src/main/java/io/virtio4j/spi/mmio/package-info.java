/**
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2), for VMMs that forward MMIO
 * exits: {@link io.virtio4j.spi.mmio.VirtioMmioTransport}.
 */
package io.virtio4j.spi.mmio;
