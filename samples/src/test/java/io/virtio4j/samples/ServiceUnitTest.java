package io.virtio4j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * Issue 19, finding 7: the systemd unit in dist/systemd passes {@code systemd-analyze verify}
 * (Debian package systemd; .ci/run installs it) and says what the daemon does: ExecStart runs the
 * launcher's switch subcommand, ExecReload sends SIGHUP (which reloads the config file without
 * stopping the switch: DaemonSignalsTest), SIGTERM stops it.
 */
class ServiceUnitTest {
    private static final Path UNIT = Path.of("..", "dist", "systemd", "virtio4j-switch.service");
    private static final String INSTALLED_LAUNCHER = "/opt/virtio4j/virtio4j";

    @TempDir
    Path dir;

    @Test
    void theUnitSaysHowTheSwitchStartsReloadsAndStops() throws Exception {
        List<String> lines = Files.readAllLines(UNIT);
        assertTrue(lines.contains("ExecStart=" + INSTALLED_LAUNCHER + " switch --config /etc/virtio4j/switch.conf"), lines.toString());
        assertTrue(lines.contains("ExecReload=/bin/kill -HUP $MAINPID"), lines.toString());
        assertTrue(lines.contains("KillSignal=SIGTERM"), lines.toString());
        assertTrue(lines.contains("RuntimeDirectory=virtio4j"), "the default control socket's directory, /run/virtio4j");
    }

    @NeedsPeer
    @Test
    void systemdAnalyzeVerifiesTheUnit() throws Exception {
        Path analyze = Prerequisites.requireExecutable("systemd-analyze", "apt-get install systemd");
        // verify checks that ExecStart's program exists: point it at this checkout's launcher.
        Path launcher = Path.of("..", "virtio4j").toAbsolutePath().normalize();
        Path unit = dir.resolve("virtio4j-switch.service");
        Files.writeString(unit, Files.readString(UNIT).replace(INSTALLED_LAUNCHER, launcher.toString()));
        Process p = new ProcessBuilder(analyze.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        // verify reports unknown keys and bad values as warnings with exit 0: none may appear.
        assertEquals("", out.strip(), "systemd-analyze verify has no complaint");
    }
}
