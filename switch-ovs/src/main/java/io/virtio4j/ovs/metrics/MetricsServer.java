package io.virtio4j.ovs.metrics;

import java.io.IOException;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.virtio4j.ovs.config.MetricsEndpoint;

import org.agrona.concurrent.status.CountersReader;

/**
 * The daemon's opt-in Prometheus endpoint ({@code metrics = 127.0.0.1:PORT}): the Prometheus
 * client's HTTP server on {@code /metrics}, with its own registry holding only
 * {@link PrometheusCounters} (no JVM metrics: the counters are the switch's contract). Its threads
 * are the HTTP server's; a scrape reads the counters file and touches no PMD.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private final MetricsEndpoint endpoint;

    private MetricsServer(HTTPServer server, MetricsEndpoint endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /**
     * Listens on {@code endpoint} and serves {@code counters}.
     *
     * @throws IOException when the address cannot be bound (the port is taken, the address is not local)
     */
    public static MetricsServer start(MetricsEndpoint endpoint, CountersReader counters) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new PrometheusCounters(counters));
        HTTPServer server = HTTPServer.builder().hostname(endpoint.host()).port(endpoint.port()).registry(registry)
                .buildAndStart();
        return new MetricsServer(server, endpoint);
    }

    /** The URL Prometheus scrapes. */
    public String url() {
        return "http://" + new MetricsEndpoint(endpoint.host(), server.getPort()) + "/metrics";
    }

    /** Stops listening and stops the server's threads. */
    @Override
    public void close() {
        server.close();
    }
}
