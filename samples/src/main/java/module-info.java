/** virtio4j samples: the launcher's subcommands and small programs for embedders. */
module io.virtio4j.samples {
    requires io.virtio4j.api;
    requires io.virtio4j.spi;
    requires io.virtio4j.vring;
    requires io.virtio4j.tap;
    requires io.virtio4j.vhostnet;
    requires io.virtio4j.vhostuser;
    requires io.virtio4j.ovs;
    requires org.slf4j;
}
