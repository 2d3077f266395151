package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.AttachedGuest;

/**
 * Issue 19, finding 1: a second switch must never bind over a socket a live process listens on,
 * and a stopping switch removes only the socket files it created itself.
 */
class SocketSafetyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private Path config(String name, String control, String counters) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, """
                [switch]
                control = %s
                counters = %s
                [port vm1]
                type = vhost-user-server
                path = vm1.sock
                vlan = 10
                """.formatted(control, counters));
        return file;
    }

    /** Runs a second daemon whose stop latch is already open: if it started at all, it stops at once. */
    private static int runOnce(Path config, ByteArrayOutputStream err) {
        CountDownLatch stopAtOnce = new CountDownLatch(0);
        return SwitchDaemon.run(new String[] {"--config", config.toString()}, new PrintStream(err, true, StandardCharsets.UTF_8),
                SwitchDataPath::start, stopAtOnce);
    }

    @Test
    void aSecondSwitchOnTheSamePortPathFailsNamingTheLineAndTheFirstKeepsServing() throws Exception {
        Path first = config("first.conf", "ctl1.sock", "first.counters");
        Path second = config("second.conf", "ctl2.sock", "second.counters");
        Path socket = dir.resolve("vm1.sock");
        try (RunningDaemon daemon = new RunningDaemon(first, dir.resolve("ctl1.sock"))) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(SwitchDaemon.EXIT_FAILED, runOnce(second, err), err.toString(StandardCharsets.UTF_8));
            assertEquals("virtio4j switch: " + second + ":6: another process is already listening on the [port vm1] socket "
                    + socket + "; stop the other switch (or the QEMU/DPDK server) using it, or give this port another path\n",
                    err.toString(StandardCharsets.UTF_8));
            assertTrue(Files.exists(socket), "the first switch's port socket is still there");
            assertTrue(!Files.exists(dir.resolve("ctl2.sock")) && !Files.exists(dir.resolve("second.counters")),
                    "the second switch created nothing");
            // The first switch still owns the port: a guest attaches to it and ctl sees it connected.
            try (AttachedGuest vm1 = AttachedGuest.connect("vm1", socket)) {
                daemon.awaitConnected("vm1");
            }
        }
    }

    @Test
    void aSecondSwitchOnTheSameControlSocketFailsNamingTheLine() throws Exception {
        Path first = config("first.conf", "ctl.sock", "first.counters");
        Path second = dir.resolve("second.conf");
        Files.writeString(second, "[switch]\ncontrol = ctl.sock\ncounters = second.counters\n");
        try (RunningDaemon daemon = new RunningDaemon(first, dir.resolve("ctl.sock"))) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(SwitchDaemon.EXIT_FAILED, runOnce(second, err), err.toString(StandardCharsets.UTF_8));
            assertEquals("virtio4j switch: " + second + ":2: another process is already listening on the control socket "
                    + dir.resolve("ctl.sock") + "; stop that switch first, or give this one another control = path\n",
                    err.toString(StandardCharsets.UTF_8));
            assertTrue(daemon.ctl("help").size() > 1, "the first switch still answers");
        }
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path file = config("switch.conf", "ctl.sock", "switch.counters");
        // A socket whose listener is gone, as a killed switch leaves it.
        try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(dir.resolve("vm1.sock")));
        }
        assertTrue(Files.exists(dir.resolve("vm1.sock")));
        try (RunningDaemon daemon = new RunningDaemon(file, dir.resolve("ctl.sock"));
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"))) {
            daemon.awaitConnected("vm1");
        }
    }

    @Test
    void stoppingRemovesOnlyTheControlSocketItCreated() throws Exception {
        Path path = dir.resolve("ctl.sock");
        ControlServer first = ControlServer.start(path, new CommandRegistry(), ControlLimits.DEFAULT);
        // Someone removes the file and a successor binds the same path while the first still runs.
        Files.delete(path);
        try (ControlServer successor = ControlServer.start(path, new CommandRegistry(), ControlLimits.DEFAULT)) {
            first.close();
            assertTrue(Files.exists(path), "the successor's socket is not the first server's to remove");
            assertTrue(ControlClient.send(path, "help", TIMEOUT).ok(), "and the successor still answers on it");
        }
        assertTrue(!Files.exists(path), "the successor removes its own socket");
    }
}
