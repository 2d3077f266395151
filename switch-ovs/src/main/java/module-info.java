/** virtio4j switch-ovs: see docs/architecture.md for what this module owns. */
module io.virtio4j.ovs {
    requires io.virtio4j.api;
    requires io.virtio4j.vring;
    requires io.virtio4j.spi;
    requires io.virtio4j.vhostuser;
    requires io.virtio4j.tap;
    requires transitive org.agrona;
    requires org.slf4j;
    // metrics = HOST:PORT (metrics.MetricsServer): the Prometheus client's model and HTTP server (automatic
    // modules); the server runs on jdk.httpserver, which nothing else would add to the launcher's module graph.
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.exporter.httpserver;
    requires jdk.httpserver;
    // sun.misc.Signal: the daemon's SIGHUP/SIGUSR1/SIGUSR2 must not stop it (control.DaemonSignals).
    requires jdk.unsupported;

    exports io.virtio4j.ovs;
    exports io.virtio4j.ovs.port;
    exports io.virtio4j.ovs.datapath;
    exports io.virtio4j.ovs.model;
    exports io.virtio4j.ovs.pipeline;
    exports io.virtio4j.ovs.packet;
    exports io.virtio4j.ovs.offload;
    exports io.virtio4j.ovs.l2;
    exports io.virtio4j.ovs.l3;
    exports io.virtio4j.ovs.flow;
    exports io.virtio4j.ovs.config;
    exports io.virtio4j.ovs.control;
    exports io.virtio4j.ovs.metrics;
    exports io.virtio4j.ovs.gateway;
    exports io.virtio4j.ovs.vxlan;
}
