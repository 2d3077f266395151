package io.virtio4j.ovs.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the daemon serves its Prometheus metrics ({@code metrics = 127.0.0.1:9478} in
 * {@code [switch]}). Only loopback addresses are accepted: the endpoint has no authentication and
 * names every port and counter, so a remote Prometheus scrapes through a local agent or proxy the
 * operator secures (docs/switch-config.md, "Metrics").
 *
 * @param host a loopback address literal ({@code 127.0.0.1}, {@code ::1}) or {@code localhost}
 * @param port the TCP port, 1 to 65535
 */
public record MetricsEndpoint(String host, int port) {
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:]+]|[0-9A-Za-z.-]{1,253}):(\\d{1,5})");
    private static final String EXAMPLE = "metrics = 127.0.0.1:9478";

    /** Checks the host is loopback and the port in range. */
    public MetricsEndpoint {
        String problem = problem(host, port);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Reads {@code HOST:PORT} ({@code [::1]:PORT} for IPv6).
     *
     * @throws IllegalArgumentException saying what is wrong and what to write instead
     */
    public static MetricsEndpoint parse(String value) {
        Matcher m = HOST_PORT.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not HOST:PORT; write for example " + EXAMPLE);
        }
        String host = m.group(1);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(m.group(2));
        String problem = problem(host, port);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new MetricsEndpoint(host, port);
    }

    private static String problem(String host, int port) {
        if (port < 1 || port > 65535) {
            return "port " + port + " is out of range; use 1 to 65535, for example " + EXAMPLE;
        }
        if (!isLoopback(host)) {
            return "'" + host + "' is not a loopback address: the metrics endpoint has no authentication, so it only"
                    + " listens on this host; use 127.0.0.1 (or ::1) and let a local Prometheus agent or proxy forward it";
        }
        return null;
    }

    /** Only literals and {@code localhost}: a name that resolves differently later must not widen the listener. */
    private static boolean isLoopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
            return false;
        }
        try {
            // A literal address: getByName parses it without a DNS query.
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code host:port}, brackets around an IPv6 address, as the config writes it. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
