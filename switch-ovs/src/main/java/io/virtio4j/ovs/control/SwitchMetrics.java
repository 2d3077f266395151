package io.virtio4j.ovs.control;

import java.io.IOException;

import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.ConfigLines;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.metrics.MetricsServer;

import org.agrona.concurrent.status.CountersReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the daemon's metrics endpoint; a port it cannot bind is a config error at the {@code metrics} line. */
final class SwitchMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchMetrics.class);

    private SwitchMetrics() {
    }

    /**
     * Before anything is created: the metrics port must be free (a bind and close), so a taken port
     * fails the start with the config line instead of after the control socket and ports exist.
     */
    static void checkFree(SwitchConfig config) {
        if (config.metrics() == null) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(config.metrics().host(), config.metrics().port()));
        } catch (IOException e) {
            throw bindError(config, e);
        }
    }

    static MetricsServer start(SwitchConfig config, CountersReader counters) {
        try {
            MetricsServer server = MetricsServer.start(config.metrics(), counters);
            LOG.info("metrics: Prometheus text format on {}", server.url());
            return server;
        } catch (IOException e) {
            throw bindError(config, e);
        }
    }

    private static ConfigException bindError(SwitchConfig config, IOException e) {
        return config.lines().error(ConfigLines.key("switch", "", "metrics"), "metrics = " + config.metrics()
                + " cannot be served (" + e.getMessage() + "); is another process on that port (ss -ltnp)?"
                + " Pick a free port");
    }
}
