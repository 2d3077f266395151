/**
 * virtio4j backend-tap: the kernel TAP device (setup ioctls through JNA, frames through
 * Platform readv/writev), the virtio-net header and the offload mapping.
 */
module io.virtio4j.tap {
    requires io.virtio4j.api;
    requires io.virtio4j.spi;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.virtio4j.tap;

    provides io.virtio4j.spi.NetBackendProvider with io.virtio4j.tap.TapBackendProvider;
    // JNA builds a proxy for the package-private libc interface in JnaTunIoctls and calls it reflectively.
    opens io.virtio4j.tap to com.sun.jna;
}
