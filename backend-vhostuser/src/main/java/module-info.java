/** virtio4j backend-vhostuser: the vhost-user protocol over a Unix socket with fd passing. */
module io.virtio4j.vhostuser {
    requires io.virtio4j.spi;
    requires io.virtio4j.api;
    requires org.slf4j;

    exports io.virtio4j.vhostuser;
    exports io.virtio4j.vhostuser.sys;
    // Not API: the in-process guest NIC is here for the demo's guests (samples); other modules'
    // tests reach it on the class path.
    exports io.virtio4j.vhostuser.testing to io.virtio4j.samples;

    provides io.virtio4j.spi.NetBackendProvider with io.virtio4j.vhostuser.VhostUserBackendProvider;
}
