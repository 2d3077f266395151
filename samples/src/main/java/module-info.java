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
    // The launcher's provider, configured in code (logging.LaunchLogConfigurator) and set by the daemon.
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;

    provides ch.qos.logback.classic.spi.Configurator with io.virtio4j.samples.logging.LaunchLogConfigurator;
}
