package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code controller = tcp:IP:PORT[, ...]} and {@code fail-mode} in [switch]: read, written back, refused at their line. */
class OpenFlowControllerConfigTest {
    private static SwitchConfig parse(String lines) {
        return SwitchConfigReader.parse("switch.conf", "[switch]\nl3 = none\n" + lines, Path.of("/etc"));
    }

    @Test
    void noControllerAndStandaloneUnlessConfigured() {
        SwitchConfig config = parse("");
        assertTrue(config.controllers().isEmpty());
        assertFalse(config.failSecure());
        assertFalse(SwitchConfigWriter.write(config).contains("controller"));
    }

    @Test
    void controllersAndFailModeAreReadAndWrittenBack() {
        SwitchConfig config = parse("controller = tcp:192.0.2.1:6653, tcp:[2001:db8::1]:6633\nfail-mode = secure\n");
        assertEquals(List.of(new OpenFlowController("192.0.2.1", 6653), new OpenFlowController("2001:db8::1", 6633)),
                config.controllers());
        assertTrue(config.failSecure());
        String written = SwitchConfigWriter.write(config);
        assertTrue(written.contains("controller = tcp:192.0.2.1:6653, tcp:[2001:db8::1]:6633\nfail-mode = secure\n"), written);
        SwitchConfig again = SwitchConfigReader.parse("switch.conf", written, Path.of("/etc"));
        assertEquals(config.controllers(), again.controllers());
        assertTrue(again.failSecure());
        assertFalse(parse("controller = tcp:127.0.0.1:6653\n").failSecure(), "standalone by default");
        assertFalse(parse("controller = tcp:127.0.0.1:6653\nfail-mode = standalone\n").failSecure());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "controller = ptcp:6653 | controller: 'ptcp:6653' is not tcp:IP:PORT; write for example controller = tcp:192.0.2.1:6653",
            "controller = tcp:192.0.2.1 | controller: 'tcp:192.0.2.1' is not tcp:IP:PORT",
            "controller = tcp:ctl.example:6653 | controller: 'tcp:ctl.example:6653' is not tcp:IP:PORT",
            "controller = tcp:192.0.2.1:0 | controller: port 0 is out of range",
            "controller = tcp:1.2.3.4.5:6653 | controller: '1.2.3.4.5' is not an IP address",
            "controller = tcp:192.0.2.1:6653, | controller: '' is not tcp:IP:PORT",
            "controller = tcp:192.0.2.1:6653, tcp:192.0.2.1:6653 | controller: tcp:192.0.2.1:6653 is named twice",
            "fail-mode = secure | fail-mode says what happens when the controllers go, and no controller is set"})
    void wrongValuesAreRefusedAtTheirLine(String line, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(line + "\n"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("switch.conf:3: " + message), e.getMessage());
    }

    @Test
    void anUnknownFailModeIsRefusedAtItsLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("controller = tcp:127.0.0.1:6653\nfail-mode = open\n"));
        assertEquals(4, e.line());
        assertTrue(e.getMessage().startsWith("switch.conf:4: fail-mode: 'open' is not standalone or secure"), e.getMessage());
    }

    @Test
    void nineControllersAreTooMany() {
        StringBuilder list = new StringBuilder();
        for (int i = 1; i <= 9; i++) {
            list.append(i == 1 ? "" : ", ").append("tcp:127.0.0.1:").append(6000 + i);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> parse("controller = " + list + "\n"));
        assertTrue(e.getMessage().startsWith("switch.conf:3: controller: 9 controllers; at most 8"), e.getMessage());
    }
}
