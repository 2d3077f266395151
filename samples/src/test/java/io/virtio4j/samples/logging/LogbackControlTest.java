package io.virtio4j.samples.logging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ch.qos.logback.classic.LoggerContext;

import io.virtio4j.ovs.config.LogSettings;
import io.virtio4j.ovs.control.ControlException;
import io.virtio4j.ovs.control.LogControl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's Logback control: log-file, per-logger levels, default. */
class LogbackControlTest {
    @TempDir
    Path dir;

    @Test
    void logFileReceivesTimestampedLinesAtTheConfiguredLevels() throws Exception {
        LogControl logs = LogbackControl.current();
        assertTrue(logs.available(), "the samples' tests run on Logback");
        Path file = dir.resolve("switch.log");
        try {
            logs.configure(new LogSettings("warn", Map.of("test.chatty", "debug"), file));
            LoggerFactory.getLogger("test.quiet").info("not at warn");
            LoggerFactory.getLogger("test.chatty.inner").debug("debug below a debug logger");
            String text = Files.readString(file);
            assertTrue(text.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+(Z|[+-]\\d\\d:\\d\\d) DEBUG \\[.*\\] test\\.chatty\\.inner:"
                    + " debug below a debug logger\\n"), text);
            assertFalse(text.contains("not at warn"), text);

            assertEquals(new LogControl.Level("test.chatty", "-", "warn"), logs.set("test.chatty", "default"));
            assertEquals(new LogControl.Level(LogSettings.ROOT, "info", "info"), logs.set(LogSettings.ROOT, "info"));
            assertTrue(logs.levels().contains(new LogControl.Level(LogSettings.ROOT, "info", "info")), logs.levels().toString());

            ControlException noDir = assertThrows(ControlException.class,
                    () -> logs.configure(new LogSettings("info", Map.of(), dir.resolve("missing/switch.log"))));
            assertTrue(noDir.getMessage().contains("does not exist or is not writable"), noDir.getMessage());
        } finally {
            LogbackControl.logToStderr((LoggerContext) LoggerFactory.getILoggerFactory());
        }
    }
}
