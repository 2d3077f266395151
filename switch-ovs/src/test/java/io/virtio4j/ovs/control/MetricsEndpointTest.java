package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.LoopbackPorts;
import io.virtio4j.ovs.testing.MetricsScrape;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * Issue 19, item 7: {@code metrics = 127.0.0.1:PORT} serves every counter in the Prometheus text
 * format; the figures move with traffic and {@code promtool check metrics} accepts the page.
 */
class MetricsEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long MAC1 = 0x5254_0000_0001L;
    private static final long BROADCAST = 0xffff_ffff_ffffL;

    @TempDir
    Path dir;

    private Path config(int port) throws IOException {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection("none") + "metrics = 127.0.0.1:" + port + "\n"
                + "[port vm1]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n"
                + "[port vm2]\ntype = vhost-user-server\npath = vm2.sock\nvlan = 10\n");
        return file;
    }

    private static String scrape(int port) throws Exception {
        MetricsScrape scrape = MetricsScrape.of(port, WAIT);
        String type = scrape.contentType();
        assertTrue(type != null && type.startsWith("text/plain"), "content type " + type);
        return scrape.body();
    }

    /** The value of the sample {@code series} (name and labels exactly as exposed), failing if absent. */
    private static double value(String page, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(page);
        assertTrue(m.find(), "no sample " + series + " in:\n" + page);
        return Double.parseDouble(m.group(1));
    }

    @NeedsPeer
    @Test
    void aScrapeShowsTheCountersMoveWithTrafficAndPromtoolAcceptsIt() throws Exception {
        int port = LoopbackPorts.free();
        byte[] hello = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, new byte[46]);
        String before;
        String after;
        try (RunningDaemon daemon = new RunningDaemon(config(port), dir.resolve("ctl.sock"));
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"));
             AttachedGuest vm2 = AttachedGuest.connect("vm2", dir.resolve("vm2.sock"))) {
            daemon.awaitConnected("vm1", "vm2");
            before = scrape(port);
            assertEquals(0, value(before, "virtio4j_port_rx_frames_total{port=\"vm1\"}"));
            for (int i = 0; i < 3; i++) {
                vm1.send(hello);
                assertArrayEquals(hello, vm2.await(WAIT));
            }
            // Chain errors and VTEP counts are copied into the counters file once a second.
            Thread.sleep(1_200);
            after = scrape(port);
        }
        assertEquals(3, value(after, "virtio4j_port_rx_frames_total{port=\"vm1\"}"));
        assertEquals(3 * hello.length, value(after, "virtio4j_port_rx_bytes_total{port=\"vm1\"}"));
        assertEquals(3, value(after, "virtio4j_port_tx_frames_total{port=\"vm2\"}"));
        assertEquals(0, value(after, "virtio4j_port_tx_frames_total{port=\"vm1\"}"), "a flood skips its source");
        assertEquals(3, value(after, "virtio4j_pmd_frames_total{pmd=\"0\"}"));
        assertTrue(value(after, "virtio4j_pmd_busy_seconds_total{pmd=\"0\"}") > 0, after);
        assertTrue(value(after, "virtio4j_pmd_idle_seconds_total{pmd=\"0\"}") > 0, after);
        assertEquals(0, value(after, "virtio4j_vhost_user_sessions_ended_total{port=\"vm1\"}"), "vm1 is still attached");
        assertEquals(0, value(after, "virtio4j_vhost_user_rejected_total{port=\"vm2\"}"));
        assertEquals(0, value(after, "virtio4j_port_drops_total{port=\"vm1\",reason=\"port_full\"}"));
        assertEquals(0, value(after, "virtio4j_port_refused_chains_total{error=\"buffer_unmapped\",port=\"vm1\"}"));
        assertTrue(after.contains("# TYPE virtio4j_drops_total counter"), after);
        assertFalse(after.contains("jvm_"), "only the switch's counters: no JVM metrics");
        promtoolAccepts(after);
        assertThrows(ConnectException.class, () -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.getInputStream();
            }
        }, "the endpoint is closed with the daemon");
    }

    @Test
    void aTakenMetricsPortFailsTheStartAtItsLineBeforeAnythingIsCreated() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Path file = config(taken.getLocalPort());
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = SwitchDaemon.run(new String[] {"--config", file.toString()},
                    new PrintStream(err, true, StandardCharsets.UTF_8), SwitchDataPath::start, new CountDownLatch(1));
            assertEquals(SwitchDaemon.EXIT_FAILED, status);
            String message = err.toString(StandardCharsets.UTF_8);
            assertTrue(message.contains(file + ":5: metrics = 127.0.0.1:" + taken.getLocalPort() + " cannot be served"),
                    message);
            assertTrue(message.contains("Pick a free port"), message);
            assertFalse(Files.exists(dir.resolve("ctl.sock")), "nothing was created");
            assertFalse(Files.exists(dir.resolve("switch.counters")), "nothing was created");
        }
    }

    private static void promtoolAccepts(String page) throws Exception {
        Path promtool = Prerequisites.requireExecutable("promtool", "apt-get install prometheus");
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(page.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
        assertEquals("", out.strip(), "promtool has no complaint (lint warnings included)");
    }
}
