/**
 * Test and demo support, not API: exported to the samples module only (the demo's guests); other
 * modules' tests use it on the class path. An in-process virtio-net driver that brings a {@link
 * io.virtio4j.spi.net.VirtioNetDevice} up through its virtio-mmio registers the way Linux's
 * virtio_mmio and virtio_net drivers do, then moves frames through its rings. Tests, the samples
 * and the benchmarks use it as the guest; it is not a hardened driver (it trusts the device model
 * it drives, but counts what it cannot use).
 */
package io.virtio4j.spi.testing;
