/**
 * virtio4j backend SPI: the virtio-net device model and the NetBackend service-provider interface.
 * Backends register a {@link io.virtio4j.spi.NetBackendProvider}; VMMs choose one by a config string.
 */
module io.virtio4j.spi {
    requires transitive io.virtio4j.api;
    requires transitive io.virtio4j.vring;
    requires org.slf4j;

    exports io.virtio4j.spi;
    exports io.virtio4j.spi.net;
    exports io.virtio4j.spi.mmio;
    // Not API: the in-process driver is here for the demo's guests (samples); other modules' tests
    // reach it on the class path.
    exports io.virtio4j.spi.testing to io.virtio4j.samples;

    uses io.virtio4j.spi.NetBackendProvider;
}
