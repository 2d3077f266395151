package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code metrics = HOST:PORT} in [switch]: opt-in, loopback only, errors with file:line and the fix. */
class MetricsConfigTest {
    private static SwitchConfig parse(String value) {
        return SwitchConfigReader.parse("switch.conf", "[switch]\nl3 = none\nmetrics = " + value + "\n", Path.of("/etc"));
    }

    @Test
    void metricsAreOffUnlessConfigured() {
        assertNull(SwitchConfigReader.parse("switch.conf", "[switch]\nl3 = none\n", Path.of("/etc")).metrics());
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1:9478, 127.0.0.1, 9478", "localhost:1, localhost, 1", "[::1]:65535, ::1, 65535",
            "127.0.0.53:9100, 127.0.0.53, 9100"})
    void loopbackEndpointsAreRead(String value, String host, int port) {
        MetricsEndpoint e = parse(value).metrics();
        assertEquals(new MetricsEndpoint(host, port), e);
        assertEquals(value, e.toString(), "written back as read");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.0.0.0:9478 | '0.0.0.0' is not a loopback address: the metrics endpoint has no authentication",
            "10.1.2.3:9478 | '10.1.2.3' is not a loopback address",
            "prometheus.example:9478 | 'prometheus.example' is not a loopback address",
            "127.0.0.1:0 | port 0 is out of range; use 1 to 65535, for example metrics = 127.0.0.1:9478",
            "127.0.0.1:70000 | port 70000 is out of range",
            "127.0.0.1 | '127.0.0.1' is not HOST:PORT; write for example metrics = 127.0.0.1:9478",
            "9478 | '9478' is not HOST:PORT"})
    void otherEndpointsAreRefusedAtTheirLine(String value, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(value));
        assertEquals(3, e.line());
        assertEquals(true, e.getMessage().startsWith("switch.conf:3: metrics: " + message), e.getMessage());
    }
}
