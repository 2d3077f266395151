/** virtio4j backend-vhostuser: see docs/architecture.md for what this module owns. */
module io.virtio4j.vhostuser {
    requires io.virtio4j.spi;
    requires org.slf4j;
}
