package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code openflow = ptcp:PORT[:IP]} in [switch]: opt-in, loopback unless an IP is named, errors at their line. */
class OpenFlowConfigTest {
    private static SwitchConfig parse(String value) {
        return SwitchConfigReader.parse("switch.conf", "[switch]\nl3 = none\nopenflow = " + value + "\n", Path.of("/etc"));
    }

    @Test
    void noAgentUnlessConfigured() {
        assertNull(SwitchConfigReader.parse("switch.conf", "[switch]\nl3 = none\n", Path.of("/etc")).openflow());
    }

    @ParameterizedTest
    @CsvSource({"ptcp:6653, 6653, 127.0.0.1", "ptcp:1:192.0.2.1, 1, 192.0.2.1", "ptcp:65535:[::1], 65535, ::1",
            "ptcp:6633:0.0.0.0, 6633, 0.0.0.0"})
    void listenersAreReadAndWrittenBack(String value, int port, String address) {
        SwitchConfig config = parse(value);
        assertEquals(new OpenFlowListen(port, address), config.openflow());
        assertEquals(value, config.openflow().toString());
        assertTrue(SwitchConfigWriter.write(config).contains("openflow = " + value + "\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tcp:6653 | 'tcp:6653' is not ptcp:PORT[:IP]; write for example openflow = ptcp:6653",
            "ptcp:0 | port 0 is out of range; use 1 to 65535",
            "ptcp:70000 | port 70000 is out of range",
            "ptcp:6653:controller.example | 'ptcp:6653:controller.example' is not ptcp:PORT[:IP]",
            "ptcp:6653:1.2.3.4.5 | '1.2.3.4.5' is not an IP address"})
    void otherValuesAreRefusedAtTheirLine(String value, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(value));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("switch.conf:3: openflow: " + message), e.getMessage());
    }
}
