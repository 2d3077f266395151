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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.Ctl;
import io.virtio4j.ovs.testing.LoopbackPorts;
import io.virtio4j.ovs.testing.MetricsScrape;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * Issue 19's "done when": the operator's day on the real daemon process ({@code SwitchDaemon.main}
 * in a JVM of its own, as {@code ./virtio4j switch --config FILE} runs it) with in-process guests:
 * start, add a port, move it to another VLAN (isolation follows), capture a port (tshark reads the
 * pcap), scrape the metrics (promtool accepts them), edit the config file and reload (ctl reload,
 * then SIGHUP), stop with SIGTERM. Each step is checked by what it did: frames delivered or not,
 * counters, file contents.
 */
@NeedsPeer
class OperatorsDayTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long BROADCAST = 0xffff_ffff_ffffL;
    private static final long MAC_C = 0x5254_0000_000cL;
    /** 60 bytes on an access port, 64 with the 802.1Q tag on the trunk. */
    private static final byte[] FROM_C = Frames.ethernet(BROADCAST, MAC_C, 0, 0x88b5, new byte[46]);
    /** How long a frame that should not arrive is given to arrive anyway. */
    private static final long SETTLE_MILLIS = 200;

    @TempDir
    Path dir;

    private Process process;
    private Path log;

    @Test
    void startAddMoveCaptureScrapeReloadStop() throws Exception {
        Path tshark = Prerequisites.requireExecutable("tshark", "apt-get install tshark");
        Path promtool = Prerequisites.requireExecutable("promtool", "apt-get install prometheus");
        Prerequisites.requireExecutable("kill", "apt-get install procps");
        int metricsPort = LoopbackPorts.free();
        Path config = dir.resolve("switch.conf");
        Files.writeString(config, """
                # the operator's switch
                [switch]
                control = ctl.sock
                counters = switch.counters
                metrics = 127.0.0.1:%d

                [port a]
                type = vhost-user-server
                path = a.sock
                vlan = 10

                [port b]
                type = vhost-user-server
                path = b.sock
                vlan = 20

                [port t]
                type = vhost-user-server
                path = t.sock
                trunk = 10,20
                """.formatted(metricsPort));
        Path pcap = dir.resolve("t-tx.pcap");
        try {
            start(config);
            try (AttachedGuest a = AttachedGuest.connect("a", dir.resolve("a.sock"));
                 AttachedGuest b = AttachedGuest.connect("b", dir.resolve("b.sock"));
                 AttachedGuest t = AttachedGuest.connect("t", dir.resolve("t.sock"))) {
                awaitConnected("a", "b", "t");

                // Capture what the trunk gets, across the changes to come: c's frames, on VLAN 10 then 20.
                String started = ctl("capture", "t", "tx", "--count", "5", "--seconds", "60", "--write", pcap.toString());
                assertTrue(started.contains(pcap.toString()), started);

                // Add a port; its guest's broadcasts reach VLAN 10 (a, the trunk) and not VLAN 20 (b).
                String added = ctl("add-port", "c", "type=vhost-user-server", "path=c.sock", "vlan=10");
                assertTrue(added.contains("port c: added"), added);
                try (AttachedGuest c = AttachedGuest.connect("c", dir.resolve("c.sock"))) {
                    awaitConnected("c");
                    for (int i = 0; i < 2; i++) {
                        c.send(FROM_C);
                        assertEquals(FROM_C.length, a.await(WAIT).length, "VLAN 10's access port gets it untagged");
                        assertEquals(FROM_C.length + 4, t.await(WAIT).length, "the trunk gets it tagged");
                    }
                    assertNothingArrives(b, "b is on VLAN 20");

                    // Move it to VLAN 20: its guest stays attached; now b gets its frames and a does not.
                    String moved = ctl("set-port", "c", "vlan=20");
                    assertTrue(moved.contains("port c: vlan 10 -> 20"), moved);
                    assertEquals("connected", row("ports", "c")[4], "c's guest stayed attached");
                    for (int i = 0; i < 3; i++) {
                        c.send(FROM_C);
                        assertEquals(FROM_C.length, b.await(WAIT).length, "VLAN 20's access port gets it");
                        assertEquals(FROM_C.length + 4, t.await(WAIT).length);
                    }
                    assertNothingArrives(a, "a is on VLAN 10, c left it");
                    String saved = Files.readString(config);
                    assertTrue(saved.startsWith("# the operator's switch") && saved.contains("[port c]")
                            && saved.contains("vlan = 20"), "ctl saved the change in the file:\n" + saved);

                    // The capture recorded the trunk's 5 frames as on its wire and ended by itself.
                    awaitCell("captures", "t", 2, "done");
                    assertEquals(List.of("t", "tx", "done", "5", String.valueOf(5 * (FROM_C.length + 4)), "0", pcap.toString()),
                            List.of(row("captures", "t")));
                    assertEquals(List.of("52:54:00:00:00:0c\t10", "52:54:00:00:00:0c\t10", "52:54:00:00:00:0c\t20",
                            "52:54:00:00:00:0c\t20", "52:54:00:00:00:0c\t20"), tshark(tshark, pcap),
                            "tshark reads c's frames, tagged with the VLAN c was on when it sent them");

                    // Scrape: every frame counted, in frames and bytes; promtool accepts the page.
                    String page = awaitMetric(metricsPort, "virtio4j_port_rx_frames_total{port=\"c\"}", 5);
                    assertEquals(5 * FROM_C.length, metric(page, "virtio4j_port_rx_bytes_total{port=\"c\"}"));
                    assertEquals(2, metric(page, "virtio4j_port_tx_frames_total{port=\"a\"}"));
                    assertEquals(3, metric(page, "virtio4j_port_tx_frames_total{port=\"b\"}"));
                    assertEquals(5, metric(page, "virtio4j_port_tx_frames_total{port=\"t\"}"));
                    assertEquals(5 * (FROM_C.length + 4), metric(page, "virtio4j_port_tx_bytes_total{port=\"t\"}"));
                    promtoolAccepts(promtool, page);

                    // Edit the file and reload: a joins VLAN 20, and gets c's frames again.
                    String edited = Files.readString(config);
                    String aOn10 = "[port a]\ntype = vhost-user-server\npath = a.sock\nvlan = 10\n";
                    assertTrue(edited.contains(aOn10), edited);
                    Files.writeString(config, edited.replace(aOn10, aOn10.replace("vlan = 10", "vlan = 20")));
                    String reload = ctl("reload");
                    assertTrue(reload.contains("port a: vlan 10 -> 20"), reload);
                    c.send(FROM_C);
                    assertEquals(FROM_C.length, a.await(WAIT).length, "a is on VLAN 20 now");
                    assertEquals(FROM_C.length, b.await(WAIT).length);
                    assertEquals(FROM_C.length + 4, t.await(WAIT).length);

                    // SIGHUP reloads too: a port added to the file comes up.
                    Files.writeString(config, Files.readString(config)
                            + "\n[port d]\ntype = vhost-user-server\npath = d.sock\nvlan = 10\n");
                    signal("HUP");
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (!log().contains("SIGHUP reload: done")) {
                        assertTrue(System.nanoTime() < deadline, "SIGHUP did not reload: " + log());
                        Thread.sleep(20);
                    }
                    assertTrue(log().contains("SIGHUP reload: port d: added"), log());
                    assertTrue(Files.exists(dir.resolve("d.sock")), "d listens");
                    assertEquals("6", row("ports", "c")[7], "c's counters went on across every change: rx_frames");
                }
            }

            signal("TERM");
            assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "SIGTERM stops it: " + log());
            assertEquals(0, process.exitValue(), log());
            for (String file : List.of("ctl.sock", "switch.counters", "a.sock", "b.sock", "t.sock", "c.sock", "d.sock")) {
                assertFalse(Files.exists(dir.resolve(file)), file + " is removed at stop: " + log());
            }
            assertFalse(log().contains("Exception"), log());
            assertTrue(Files.size(pcap) > 0, "the capture file stays");
        } finally {
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }

    private void start(Path config) throws Exception {
        log = dir.resolve("daemon.log");
        process = new ProcessBuilder(io.virtio4j.ovs.testing.DaemonCommand.of(config))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!serving()) {
            assertTrue(process.isAlive() && System.nanoTime() < deadline, "the daemon did not come up: " + log());
            Thread.sleep(20);
        }
    }

    /** Up once {@code ctl help} lists reload, which the daemon registers last (after the data path's commands). */
    private boolean serving() {
        try {
            ControlReply help = ControlClient.send(dir.resolve("ctl.sock"), "help", WAIT);
            return help.ok() && help.lines().stream().anyMatch(l -> l.trim().startsWith("reload "));
        } catch (ControlException notYet) {
            return false;
        }
    }

    /** The daemon's log so far, for failure messages (which must not fail in turn). */
    private String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(daemon log unreadable: " + e + ")";
        }
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).redirectErrorStream(true).start();
        assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** {@code ./virtio4j ctl ARGS}, as an operator types it; fails unless it exits 0. Its output. */
    private String ctl(String... args) {
        return Ctl.run(dir.resolve("ctl.sock"), () -> "\n" + log(), args);
    }

    /** The row of {@code ctl command} whose first cell is {@code key}. */
    private String[] row(String command, String key) throws IOException {
        String table = ctl(command);
        return table.lines().map(l -> l.trim().split("\\s+")).filter(cells -> cells[0].equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + key + " in ctl " + command + ":\n" + table));
    }

    private void awaitCell(String command, String key, int cell, String value) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!row(command, key)[cell].equals(value)) {
            assertTrue(System.nanoTime() < deadline, "ctl " + command + ": " + key + " never " + value + ":\n" + ctl(command));
            Thread.sleep(10);
        }
    }

    private void awaitConnected(String... ports) throws Exception {
        for (String port : ports) {
            awaitCell("ports", port, 4, "connected");
        }
    }

    private static void assertNothingArrives(AttachedGuest guest, String why) throws InterruptedException {
        Thread.sleep(SETTLE_MILLIS);
        assertEquals(0, guest.takeAll().size(), guest.name() + " received a frame: " + why);
    }

    private static String scrape(int port) throws IOException {
        return MetricsScrape.of(port, WAIT).body();
    }

    /** Scrapes until {@code series} reads {@code value} (counters are published per burst); the page. */
    private static String awaitMetric(int port, String series, double value) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            String page = scrape(port);
            if (metric(page, series) == value || System.nanoTime() > deadline) {
                assertEquals(value, metric(page, series), page);
                return page;
            }
            Thread.sleep(20);
        }
    }

    private static double metric(String page, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(page);
        assertTrue(m.find(), "no sample " + series + " in:\n" + page);
        return Double.parseDouble(m.group(1));
    }

    private static void promtoolAccepts(Path promtool, String page) throws Exception {
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(page.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
    }

    private static List<String> tshark(Path tshark, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(tshark.toString(), "-r", file.toString(), "-T", "fields", "-e", "eth.src", "-e",
                "vlan.id").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark did not finish");
        assertEquals(0, p.exitValue(), "tshark -r " + file + ": " + out);
        return out.lines().toList();
    }
}
