package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * Signals on the real daemon process ({@code SwitchDaemon.main} in a JVM of its own, as
 * {@code ./virtio4j switch} runs it): SIGHUP reloads the config file (a port added there comes up;
 * a file that does not read is refused with its line); SIGUSR1 and SIGUSR2 leave it running and serving;
 * SIGTERM and SIGINT stop it cleanly (exit 0, its socket and counters file removed).
 */
@NeedsPeer
class DaemonSignalsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** A running daemon process, its merged output collected in a file. */
    private final class Daemon implements AutoCloseable {
        final Process process;
        final Path log = dir.resolve("daemon.log");

        Daemon() throws Exception {
            Path config = dir.resolve("switch.conf");
            Files.writeString(config, """
                    [switch]
                    control = ctl.sock
                    counters = switch.counters
                    [port vm1]
                    type = vhost-user-server
                    path = vm1.sock
                    vlan = 10
                    """);
            process = new ProcessBuilder(io.virtio4j.ovs.testing.DaemonCommand.of(config))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!serving()) {
                assertTrue(process.isAlive() && System.nanoTime() < deadline, "the daemon did not come up: " + log());
                Thread.sleep(20);
            }
        }

        boolean serving() {
            try {
                return ControlClient.send(dir.resolve("ctl.sock"), "ports", Duration.ofSeconds(5)).ok();
            } catch (ControlException notYet) {
                return false;
            }
        }

        void signal(String name) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).redirectErrorStream(true).start();
            assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }

        String log() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void hupAndUsrSignalsLeaveTheSwitchRunningAndTermStopsItCleanly() throws Exception {
        Prerequisites.requireExecutable("kill", "apt-get install procps");
        try (Daemon daemon = new Daemon()) {
            for (String signal : List.of("USR1", "USR2")) {
                daemon.signal(signal);
                Thread.sleep(500);
                assertTrue(daemon.process.isAlive(), "SIG" + signal + " stopped the switch: " + daemon.log());
                assertTrue(daemon.serving(), "after SIG" + signal + " the switch still answers: " + daemon.log());
            }
            // SIGHUP reloads: a port added to the file comes up, the running one stays.
            Path config = dir.resolve("switch.conf");
            Files.writeString(config, Files.readString(config) + "[port vm2]\ntype = vhost-user-server\npath = vm2.sock\nvlan = 20\n");
            daemon.signal("HUP");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!Files.exists(dir.resolve("vm2.sock"))) {
                assertTrue(System.nanoTime() < deadline, "SIGHUP did not add the port: " + daemon.log());
                Thread.sleep(20);
            }
            assertTrue(daemon.process.isAlive(), "SIGHUP stopped the switch: " + daemon.log());
            assertTrue(daemon.serving(), "after SIGHUP the switch still answers: " + daemon.log());
            assertTrue(Files.exists(dir.resolve("vm1.sock")), "the port is still there");
            while (!daemon.log().contains("SIGHUP reload: done, 1 change(s)")) {
                assertTrue(System.nanoTime() < deadline, "the reload is logged: " + daemon.log());
                Thread.sleep(20);
            }
            assertTrue(daemon.log().contains("SIGHUP reload: port vm2: added (vhost-user-server"), daemon.log());

            // A file that does not read: logged with its line, nothing changes, the switch runs on.
            Files.writeString(config, Files.readString(config).replace("vlan = 20", "vlan = twenty"));
            daemon.signal("HUP");
            while (!daemon.log().contains("SIGHUP reload: refused, nothing changed: " + config + ":11: vlan")) {
                assertTrue(System.nanoTime() < deadline, "the refused reload is logged with file:line: " + daemon.log());
                Thread.sleep(20);
            }
            assertTrue(Files.exists(dir.resolve("vm2.sock")) && daemon.serving(), daemon.log());

            daemon.signal("TERM");
            assertTrue(daemon.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "SIGTERM stops it: " + daemon.log());
            assertEquals(0, daemon.process.exitValue(), daemon.log());
            assertStoppedCleanly(daemon);
        }
    }

    @Test
    void sigintStopsItCleanly() throws Exception {
        Prerequisites.requireExecutable("kill", "apt-get install procps");
        try (Daemon daemon = new Daemon()) {
            daemon.signal("INT");
            assertTrue(daemon.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "SIGINT stops it: " + daemon.log());
            assertEquals(0, daemon.process.exitValue(), daemon.log());
            assertStoppedCleanly(daemon);
        }
    }

    private void assertStoppedCleanly(Daemon daemon) throws IOException {
        for (String file : List.of("ctl.sock", "switch.counters", "vm1.sock", "vm2.sock")) {
            assertFalse(Files.exists(dir.resolve(file)), file + " is removed at stop: " + daemon.log());
        }
        assertFalse(daemon.log().contains("Exception"), daemon.log());
    }
}
