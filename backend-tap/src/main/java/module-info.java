/** virtio4j backend-tap: see docs/architecture.md for what this module owns. */
module io.virtio4j.tap {
    requires io.virtio4j.spi;
    requires com.sun.jna;
    requires org.slf4j;
}
