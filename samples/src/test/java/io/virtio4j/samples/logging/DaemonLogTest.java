package io.virtio4j.samples.logging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.virtio4j.ovs.control.ControlClient;
import io.virtio4j.ovs.control.ControlException;
import io.virtio4j.ovs.control.ControlReply;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 3: {@code ./virtio4j switch} (Main, in a JVM of its own with Logback as the
 * launcher has it) logs with timestamps, applies {@code log-level.LOGGER} from its config, changes
 * levels with {@code ctl log-level} at run time, and says when a front-end connects and leaves.
 */
class DaemonLogTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** 2026-12-06T22:40:01.123+00:00 (or Z): the launcher's timestamp, at the start of every line. */
    private static final String STAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) ";
    private static final String SESSION = "io.virtio4j.vhostuser.protocol.BackendSession";

    @TempDir
    Path dir;

    @Test
    void debugForOneLoggerTimestampsRunTimeLevelsAndFrontEndsComingAndGoing() throws Exception {
        Path config = dir.resolve("switch.conf");
        Path log = dir.resolve("stderr.log");
        Files.writeString(config, """
                [switch]
                control = ctl.sock
                counters = counters
                log-level = info
                log-level.%s = debug

                [port vm1]
                type = vhost-user-server
                path = vm1.sock
                vlan = 10
                """.formatted(SESSION));
        Path classpathFile = Path.of("target", "guest-classpath.txt");
        assertTrue(Files.exists(classpathFile), classpathFile + " missing: Maven writes it (dependency:build-classpath)");
        String classpath = Path.of("target", "classes").toAbsolutePath() + ":" + Files.readString(classpathFile).strip();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
                classpath, "io.virtio4j.samples.Main", "switch", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path socket = dir.resolve("ctl.sock");
        try {
            awaitUp(p, socket, log);
            String pid = Long.toString(ProcessHandle.current().pid());

            frontEndComesAndGoes(dir.resolve("vm1.sock"));
            String first = awaitLine(log, l -> l.contains("front-end (pid " + pid + ") left"));
            assertTrue(first.lines().anyMatch(l -> l.matches(STAMP + "INFO .*: front-end connected \\(pid " + pid + "\\)")),
                    "the connection, with the front-end's pid from SO_PEERCRED:\n" + first);
            assertTrue(first.lines().anyMatch(l -> l.matches(STAMP + "INFO .*features negotiated 0x[0-9a-f]+ .*")), first);
            assertTrue(first.lines().anyMatch(l -> l.matches(STAMP + "INFO .*memory table set: 1 region\\(s\\), \\d+ MiB.*")), first);
            assertTrue(first.lines().anyMatch(l -> l.matches(STAMP + "INFO .*: ring 0 started \\(256 descriptors.*")), first);
            assertTrue(first.lines().anyMatch(l -> l.matches(STAMP + "INFO .*: ring 1 stopped at .*")), first);
            assertTrue(first.lines().anyMatch(l -> l.matches(STAMP + "DEBUG \\[.*\\] " + Pattern.quote(SESSION) + ": .*GET_FEATURES.*")),
                    "log-level." + SESSION + " = debug shows its DEBUG lines:\n" + first);
            assertFalse(first.lines().anyMatch(l -> l.contains(" DEBUG ") && !l.contains(" " + SESSION + ": ")),
                    "no other logger logs at DEBUG:\n" + first);
            assertTrue(first.lines().filter(l -> !l.isBlank()).allMatch(l -> l.matches(STAMP + ".*")),
                    "every line has a timestamp:\n" + first);

            ControlReply levels = ControlClient.send(socket, "log-level", WAIT);
            assertTrue(levels.ok(), levels.error());
            assertTrue(levels.lines().get(0).matches("logger +level +effective"), levels.lines().toString());
            assertTrue(levels.lines().stream().anyMatch(l -> l.matches("root +info +info")), levels.lines().toString());
            assertTrue(levels.lines().stream().anyMatch(l -> l.matches(Pattern.quote(SESSION) + " +debug +debug")),
                    levels.lines().toString());

            ControlReply set = ControlClient.send(socket, "log-level " + SESSION + " info", WAIT);
            assertTrue(set.ok(), set.error());
            assertTrue(set.lines().get(1).matches(Pattern.quote(SESSION) + " +info +info"), set.lines().toString());
            ControlReply wrong = ControlClient.send(socket, "log-level " + SESSION + " loud", WAIT);
            assertFalse(wrong.ok());
            assertEquals("'loud' is not a log level; use one of trace, debug, info, warn, error, off (or default: inherit again)",
                    wrong.error());
            long linesBefore = Files.readAllLines(log).size();

            frontEndComesAndGoes(dir.resolve("vm1.sock"));
            String all = awaitLine(log, l -> l.contains("front-end (pid " + pid + ") left")
                    && Files.exists(log) && count(log, "left:") >= 2);
            List<String> second = all.lines().skip(linesBefore).toList();
            assertTrue(second.stream().anyMatch(l -> l.contains("front-end connected")), second.toString());
            assertFalse(second.stream().anyMatch(l -> l.contains(" DEBUG ")), "info since ctl log-level: " + second);
            assertTrue(all.contains("log level of " + SESSION + " set to info at run time"), all);
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        assertEquals(0, p.exitValue(), "SIGTERM stops it cleanly:\n" + Files.readString(log));
    }

    /** A front-end connects, negotiates (features, memory table, rings) and goes away again. */
    private static void frontEndComesAndGoes(Path socket) throws InterruptedException {
        try (GuestNic nic = new GuestNic(); VhostUserFrontend fe = VhostUserFrontend.connect(socket, WAIT)) {
            nic.attach(fe);
        }
    }

    private static void awaitUp(Process p, Path socket, Path log) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (ControlClient.send(socket, "pmd-stats", WAIT).ok()) {
                    return;
                }
            } catch (ControlException notYet) {
                // not listening yet
            }
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the switch did not come up:\n" + read(log));
            Thread.sleep(20);
        }
    }

    private static String awaitLine(Path log, Predicate<String> line) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            String text = read(log);
            if (text.lines().anyMatch(line)) {
                return text;
            }
            assertTrue(System.nanoTime() < deadline, "no such line in:\n" + text);
            Thread.sleep(20);
        }
    }

    private static long count(Path log, String what) {
        return read(log).lines().filter(l -> l.contains(what)).count();
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
