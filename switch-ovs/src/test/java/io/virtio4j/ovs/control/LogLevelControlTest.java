package io.virtio4j.ovs.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.LogSettings;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.testing.TwoVpcs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 3, the library's half: the config's {@code log-level}, {@code log-level.LOGGER}
 * and {@code log-file} reach the daemon's log provider, and {@code ctl log-level LOGGER LEVEL}
 * changes a level at run time (checked before the provider sees it). The launcher's Logback half
 * is samples' DaemonLogTest.
 */
class LogLevelControlTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A provider stand-in: records what it was told, answers levels as a map keeps them. */
    private static final class RecordingLogs implements LogControl {
        final List<LogSettings> configured = new ArrayList<>();
        final Map<String, String> levels = new LinkedHashMap<>(Map.of(LogSettings.ROOT, "info"));

        @Override
        public void configure(LogSettings settings) {
            configured.add(settings);
            levels.put(LogSettings.ROOT, settings.level());
            levels.putAll(settings.loggers());
        }

        @Override
        public Level set(String logger, String level) {
            levels.put(logger, level);
            return new Level(logger, level, level);
        }

        @Override
        public List<Level> levels() {
            return levels.entrySet().stream().map(e -> new Level(e.getKey(), e.getValue(), e.getValue())).toList();
        }
    }

    private SwitchConfig config(String logLines) throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection("none") + logLines + TwoVpcs.SECTIONS);
        return SwitchConfigReader.read(file);
    }

    private ControlReply ctl(String request) {
        return ControlClient.send(dir.resolve("ctl.sock"), request, TIMEOUT);
    }

    @Test
    void theConfigsLevelsAndFileReachTheProviderAndCtlChangesALevelAtRunTime() throws Exception {
        SwitchConfig config = config("log-level = WARN\nlog-level.io.virtio4j.vhostuser = debug\nlog-file = logs/switch.log\n");
        assertEquals(new LogSettings("warn", Map.of("io.virtio4j.vhostuser", "debug"), dir.resolve("logs/switch.log")),
                config.logging());
        RecordingLogs logs = new RecordingLogs();
        try (SwitchDaemon daemon = SwitchDaemon.start(config, r -> () -> { }, logs)) {
            assertEquals(List.of(config.logging()), logs.configured, "applied once, at start");
            assertEquals(List.of("logger                 level  effective", "root                   warn   warn",
                    "io.virtio4j.vhostuser  debug  debug"), ctl("log-level").lines());

            ControlReply set = ctl("log-level io.virtio4j.ovs.datapath trace");
            assertTrue(set.ok(), set.error());
            assertEquals(List.of("logger                    level  effective", "io.virtio4j.ovs.datapath  trace  trace"),
                    set.lines());
            assertEquals("trace", logs.levels.get("io.virtio4j.ovs.datapath"));
            assertEquals("[{\"logger\":\"root\",\"level\":\"debug\",\"effective\":\"debug\"}]",
                    ctl("log-level root DEBUG --json").lines().get(0));
            assertEquals("default", ctl("log-level io.virtio4j.vhostuser default").lines().get(1).split("\\s+")[1]);

            assertEquals("'loud' is not a log level; use one of trace, debug, info, warn, error, off (or default: inherit"
                    + " again)", ctl("log-level io.virtio4j loud").error());
            assertEquals("'default' is not a log level; use one of trace, debug, info, warn, error, off (the root has no"
                    + " default)", ctl("log-level root default").error());
            assertTrue(ctl("log-level io.virtio4j").error().startsWith("log-level takes a logger and a level"));
            assertTrue(ctl("log-level a..b info").error().contains("is not a logger name"));
            assertFalse(ctl("ports x").ok(), "commands without arguments still refuse words");
            assertEquals(3, logs.levels.size(), "refused requests changed nothing: " + logs.levels);
        }
    }

    @Test
    void withoutAProviderTheSwitchRunsAndCtlSaysLevelsCannotChange() throws Exception {
        SwitchConfig config = config("");
        assertEquals(LogSettings.DEFAULTS, config.logging());
        assertNull(config.logging().file());
        try (SwitchDaemon daemon = SwitchDaemon.start(config, r -> () -> { })) {
            assertEquals(List.of("logger  level  effective"), ctl("log-level").lines());
            ControlReply refused = ctl("log-level io.virtio4j debug");
            assertFalse(refused.ok());
            assertTrue(refused.error().startsWith("this switch runs without a log provider it can control"), refused.error());
        }
    }

    @Test
    void badLogKeysNameTheirLine() throws Exception {
        ConfigException level = assertThrows(ConfigException.class, () -> config("log-level = loud\n"));
        assertTrue(level.getMessage().endsWith(":5: log-level: 'loud' is not a log level; use one of trace, debug, info, warn,"
                + " error, off"), level.getMessage());
        ConfigException logger = assertThrows(ConfigException.class, () -> config("log-level.9lives = info\n"));
        assertTrue(logger.getMessage().contains(":5: log-level.9lives: '9lives' is not a logger name"), logger.getMessage());
        ConfigException file = assertThrows(ConfigException.class, () -> config("log-file = logs/\n"));
        assertTrue(file.getMessage().contains(":5: log-file must name a file"), file.getMessage());
    }

    @Test
    void ctlSendsALoggerAndALevelAsOneRequest() {
        CtlCommandLine line = CtlCommandLine.parse(new String[] {"log-level", "io.virtio4j.vhostuser", "debug", "--json"});
        assertEquals("log-level io.virtio4j.vhostuser debug --json", line.request());
        assertThrows(ControlException.class, () -> CtlCommandLine.parse(new String[] {"ports", "vm1"}));
        assertThrows(ControlException.class, () -> CtlCommandLine.parse(new String[] {"log-level", "a b", "info"}));
        assertTrue(CtlCommandLine.usage().contains("    log-level [LOGGER LEVEL]\n"), CtlCommandLine.usage());
    }
}
