/**
 * virtio4j backend-vhostuser: the vhost-user protocol over a Unix socket with fd passing. An embedder
 * uses {@code io.virtio4j.vhostuser} (server, client, front-end, the {@code vhost-user:} back-end and
 * their configs); the protocol, transport, guest memory and data plane beneath are internal.
 */
module io.virtio4j.vhostuser {
    requires io.virtio4j.spi;
    requires io.virtio4j.api;
    requires org.slf4j;

    exports io.virtio4j.vhostuser;
    // Not API: the in-process guest NIC is here for the demo's guests (samples); other modules'
    // tests reach it on the class path.
    exports io.virtio4j.vhostuser.testing to io.virtio4j.samples;
    // The switch is this module's one data-path client: its vhost-user ports hand the rings a session
    // negotiated (RingListener, VringState) to a VhostUserNetPort per port and hold its frames
    // (HeldFrames), and its PMD threads drop sessions whose guest memory shrank (GuestMemoryFaults).
    exports io.virtio4j.vhostuser.protocol to io.virtio4j.ovs;
    exports io.virtio4j.vhostuser.memory to io.virtio4j.ovs;
    exports io.virtio4j.vhostuser.net to io.virtio4j.ovs;

    provides io.virtio4j.spi.NetBackendProvider with io.virtio4j.vhostuser.VhostUserBackendProvider;
}
