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

    // A user of the switch library or daemon: VirtualSwitch and its specs (model), the config file
    // reader, the daemon and ctl (control), the counters file (metrics), the pipeline a switch runs and
    // the ports it hands out (PortInfo's PortStats, in-process ports).
    exports io.virtio4j.ovs;
    exports io.virtio4j.ovs.model;
    exports io.virtio4j.ovs.port;
    exports io.virtio4j.ovs.config;
    exports io.virtio4j.ovs.control;
    exports io.virtio4j.ovs.metrics;
    exports io.virtio4j.ovs.pipeline;
    // The samples' demo guests answer ARP and ping with the switch's own header code and responders,
    // and the demo sets up ipforward's gateway namespace: not API for other users.
    exports io.virtio4j.ovs.packet to io.virtio4j.samples;
    exports io.virtio4j.ovs.l3 to io.virtio4j.samples;
    exports io.virtio4j.ovs.gateway to io.virtio4j.samples;
    // Not exported: datapath, offload, l2, flow, vxlan (the data path's internals).
}
