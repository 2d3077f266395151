/**
 * virtio4j backend-vhostnet: the kernel's vhost-net worker runs the rings. The wrappers over
 * {@code /dev/vhost-net} (FFM ioctls through the platform) and the {@code vhost-net:} provider are in
 * {@code io.virtio4j.vhostnet}; request numbers and struct layouts in {@code io.virtio4j.vhostnet.bindings}.
 */
module io.virtio4j.vhostnet {
    requires io.virtio4j.api;
    requires io.virtio4j.spi;
    requires io.virtio4j.tap;
    requires org.slf4j;

    exports io.virtio4j.vhostnet;
    exports io.virtio4j.vhostnet.bindings;

    provides io.virtio4j.spi.NetBackendProvider with io.virtio4j.vhostnet.VhostNetBackendProvider;
}
