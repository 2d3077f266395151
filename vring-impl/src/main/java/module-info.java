/** virtio4j vring-impl: the split virtqueue (virtio 1.2 section 2.7), device and driver sides. */
module io.virtio4j.vring {
    requires transitive io.virtio4j.api;
    requires org.slf4j;

    exports io.virtio4j.vring;
}
