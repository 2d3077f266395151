package io.virtio4j.samples.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.samples.testing.ListeningTestpmd;
import io.virtio4j.samples.testing.ProcessResources;
import io.virtio4j.samples.testing.SwitchProcess;
import io.virtio4j.testing.NeedsPeer;

/**
 * Issue 13, "Restart loops in CI": the switch daemon as users start it, with two
 * {@code vhost-user-client} ports under a listening dpdk-testpmd (two {@code net_virtio_user}
 * ports with {@code server=1}, io forwarding), killed with SIGKILL and started again 50 times
 * while testpmd keeps running; then the other way round, testpmd killed and restarted while one
 * switch runs. Every cycle the frames circle through the switch again in both directions, and
 * whatever a start or a peer's session holds (fds by kind, the peer's memory mappings, socket
 * files) comes back to the same figures: a leak of one fd per cycle fails the cycle it happens in.
 */
@NeedsPeer
class RestartLoopTest {
    /** The issue asks for 50 switch restarts. */
    private static final int SWITCH_CYCLES = 50;
    private static final int PEER_CYCLES = 20;
    /** Frames each port must receive and send in a cycle: the loop carries them in milliseconds. */
    private static final long FRAMES = 5_000;
    private static final Duration TRAFFIC = Duration.ofSeconds(30);
    private static final Duration SETTLE = ProcessResources.SETTLE;

    @TempDir
    Path dir;

    private Path writeConfig() throws IOException {
        // A short reconnect interval keeps a cycle short; the default is 1 s.
        return SwitchProcess.writeConfig(dir, """
                [port a]
                type = vhost-user-client
                path = a.sock
                vlan = 10
                reconnect = 50ms
                [port b]
                type = vhost-user-client
                path = b.sock
                vlan = 10
                reconnect = 50ms
                """);
    }

    @Test
    void theSwitchKilledFiftyTimesUnderListeningTestpmdReconnectsEveryTimeAndHoldsTheSameFds() throws Exception {
        ListeningTestpmd.require();
        Path config = writeConfig();
        Path log = dir.resolve("switch.log");
        long began = System.nanoTime();
        long slowest = 0;
        ProcessResources baseline = null;
        SwitchProcess daemon = SwitchProcess.start(config, dir.resolve("ctl.sock"), log);
        try (ListeningTestpmd testpmd = ListeningTestpmd.start(dir.resolve("a.sock"), dir.resolve("b.sock"),
                "v4j-restart-" + ProcessHandle.current().pid(), dir.resolve("testpmd.log"))) {
            for (int cycle = 0; cycle < SWITCH_CYCLES; cycle++) {
                long cycleStart = System.nanoTime();
                if (cycle > 0) {
                    try {
                        daemon = SwitchProcess.start(config, dir.resolve("ctl.sock"), log);
                    } catch (AssertionError e) {
                        throw new AssertionError("cycle " + cycle + ": " + e.getMessage(), e);
                    }
                }
                SwitchProcess running = daemon;
                String at = "cycle " + cycle + ": ";
                // A new daemon's counters start at zero: these frames crossed this start.
                awaitTraffic(running, testpmd, 0, 0, at);
                ProcessResources now = ProcessResources.settled(running.pid());
                if (baseline == null) {
                    baseline = now;
                    System.out.println("RestartLoopTest: the switch with both peers connected holds " + baseline);
                } else {
                    ProcessResources.awaitEqual(baseline, running.pid(),
                            at + "the switch holds what the first start held", running::tail);
                }
                assertEquals(Set.of("a.sock", "b.sock", "ctl.sock"), sockets(), at + "no socket left over by the killed switch");
                running.kill();
                assertTrue(testpmd.isAlive(), at + "testpmd survived the switch's SIGKILL:\n" + testpmd.tail());
                slowest = Math.max(slowest, System.nanoTime() - cycleStart);
            }
            System.out.printf("RestartLoopTest: %d switch restarts in %.1f s (slowest cycle %.2f s)%n", SWITCH_CYCLES,
                    (System.nanoTime() - began) / 1e9, slowest / 1e9);
            // One more start, stopped as an operator does: everything it made is removed.
            SwitchProcess last = SwitchProcess.start(config, dir.resolve("ctl.sock"), log);
            awaitTraffic(last, testpmd, 0, 0, "after the loop: ");
            assertEquals(0, last.stop(), last.tail());
            assertEquals(Set.of("a.sock", "b.sock"), sockets(), "SIGTERM removes the control socket");
            assertFalse(Files.exists(dir.resolve("switch.counters")), "SIGTERM removes the counters file");
            assertTrue(testpmd.isAlive(), testpmd.tail());
        } finally {
            daemon.close();
        }
    }

    @Test
    void testpmdKilledAndRestartedUnderOneSwitchReconnectsAndTheSwitchGivesBackEveryFdAndMapping() throws Exception {
        ListeningTestpmd.require();
        Path config = writeConfig();
        long began = System.nanoTime();
        long slowest = 0;
        String prefix = "v4j-peer-restart-" + ProcessHandle.current().pid();
        try (SwitchProcess daemon = SwitchProcess.start(config, dir.resolve("ctl.sock"), dir.resolve("switch.log"))) {
            ProcessResources idle = ProcessResources.settled(daemon.pid());
            System.out.println("RestartLoopTest: the switch without peers holds " + idle);
            assertEquals(0, idle.peerMappings(), "nothing mapped before a peer came");
            ProcessResources connected = null;
            for (int cycle = 0; cycle < PEER_CYCLES; cycle++) {
                long cycleStart = System.nanoTime();
                String at = "cycle " + cycle + ": ";
                long rxA = rx(daemon, "a");
                long rxB = rx(daemon, "b");
                // DPDK will not bind over the socket files a killed testpmd left ("Address already in
                // use; remove it and try again"): whoever restarts it removes them, as libvirt does
                // for QEMU. The switch does not care: it only connects.
                Files.deleteIfExists(dir.resolve("a.sock"));
                Files.deleteIfExists(dir.resolve("b.sock"));
                ListeningTestpmd testpmd = ListeningTestpmd.start(dir.resolve("a.sock"), dir.resolve("b.sock"), prefix,
                        dir.resolve("testpmd.log"));
                try {
                    awaitTraffic(daemon, testpmd, rxA, rxB, at);
                    ProcessResources now = ProcessResources.settled(daemon.pid());
                    assertTrue(now.peerMappings() > 0, at + "the peer's memory is mapped while it runs: " + now);
                    if (connected == null) {
                        connected = now;
                        System.out.println("RestartLoopTest: the switch with testpmd connected holds " + connected);
                    } else {
                        ProcessResources.awaitEqual(connected, daemon.pid(), at + "a session holds what the first held", daemon::tail);
                    }
                    testpmd.kill();
                } finally {
                    testpmd.close();
                }
                waitFor(() -> daemon.port("a")[4].equals("waiting") && daemon.port("b")[4].equals("waiting"),
                        at + "both ports waiting after testpmd died: " + daemon.ctl("ports"), daemon);
                ProcessResources.awaitEqual(idle, daemon.pid(), at + "everything of the session given back", daemon::tail);
                assertTrue(daemon.isAlive(), daemon.tail());
                slowest = Math.max(slowest, System.nanoTime() - cycleStart);
            }
            System.out.printf("RestartLoopTest: %d testpmd restarts in %.1f s (slowest cycle %.2f s)%n", PEER_CYCLES,
                    (System.nanoTime() - began) / 1e9, slowest / 1e9);
            assertEquals(0, daemon.stop(), daemon.tail());
        }
    }

    private static long rx(SwitchProcess daemon, String port) {
        return Long.parseLong(daemon.port(port)[7]);
    }

    /**
     * Waits until both ports are connected, puts frames into testpmd's loop, and waits until each
     * port received {@link #FRAMES} more frames than {@code rxA}/{@code rxB} and sent that many in
     * all (the io loop carries frames both ways: testpmd's port 0 sends into a, the switch floods
     * them to b, testpmd forwards them back to a; and the reverse).
     */
    private static void awaitTraffic(SwitchProcess daemon, ListeningTestpmd testpmd, long rxA, long rxB, String at)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TRAFFIC.toNanos();
        boolean injected = false;
        while (true) {
            if (!injected && daemon.port("a")[4].equals("connected") && daemon.port("b")[4].equals("connected")) {
                testpmd.inject();
                injected = true;
            }
            String[] a = daemon.port("a");
            String[] b = daemon.port("b");
            if (a[4].equals("connected") && b[4].equals("connected") && Long.parseLong(a[7]) >= rxA + FRAMES
                    && Long.parseLong(b[7]) >= rxB + FRAMES && Long.parseLong(a[9]) >= FRAMES && Long.parseLong(b[9]) >= FRAMES) {
                return;
            }
            if (System.nanoTime() > deadline || !testpmd.isAlive() || !daemon.isAlive()) {
                throw new AssertionError(at + "no traffic through the switch within " + TRAFFIC + " (testpmd "
                        + (testpmd.isAlive() ? "running" : "exited") + ", switch " + (daemon.isAlive() ? "running" : "exited")
                        + "):\n" + daemon.ctl("ports") + "\n" + daemon.ctl("drops") + "\ntestpmd:\n" + testpmd.tail()
                        + "\nswitch:\n" + daemon.tail());
            }
            Thread.sleep(10);
        }
    }

    private static void waitFor(BooleanSupplier condition, String what, SwitchProcess daemon) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + "\n" + daemon.tail());
            }
            Thread.sleep(10);
        }
    }

    /** The socket files in the test's directory. */
    private Set<String> sockets() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            Set<String> names = new TreeSet<>();
            for (Path p : all) {
                if (Files.readAttributes(p, BasicFileAttributes.class).isOther()) {
                    names.add(p.getFileName().toString());
                }
            }
            return names;
        }
    }
}
