/** virtio4j vring-impl: see docs/architecture.md for what this module owns. */
module io.virtio4j.vring {
    requires transitive io.virtio4j.api;
    requires org.slf4j;
}
