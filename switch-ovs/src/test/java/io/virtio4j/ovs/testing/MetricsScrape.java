package io.virtio4j.ovs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One GET of a switch's {@code /metrics} on 127.0.0.1, as Prometheus scrapes it. HttpURLConnection
 * (java.base): the switch module does not read java.net.http, and its tests run as part of it.
 *
 * @param contentType the response's Content-Type header (null if absent)
 * @param body        the page
 */
public record MetricsScrape(String contentType, String body) {
    /** Scrapes {@code port}, waiting at most {@code wait} to connect and to read; fails unless the status is 200. */
    public static MetricsScrape of(int port, Duration wait) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openConnection();
        http.setConnectTimeout((int) wait.toMillis());
        http.setReadTimeout((int) wait.toMillis());
        try {
            assertEquals(200, http.getResponseCode());
            try (var in = http.getInputStream()) {
                return new MetricsScrape(http.getContentType(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            http.disconnect();
        }
    }
}
