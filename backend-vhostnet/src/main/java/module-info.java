/** virtio4j backend-vhostnet: see docs/architecture.md for what this module owns. */
module io.virtio4j.vhostnet {
    requires io.virtio4j.spi;
    requires io.virtio4j.tap;
    requires org.slf4j;
}
