/** virtio4j backend-spi: see docs/architecture.md for what this module owns. */
module io.virtio4j.spi {
    requires transitive io.virtio4j.api;
    requires transitive io.virtio4j.vring;
    requires org.slf4j;
}
