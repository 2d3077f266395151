package io.virtio4j.vhostnet.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.virtio4j.testing.Prerequisites;

/**
 * The real test of the vhost-net backend: this machine's kernel has no vhost_net, so
 * {@code scripts/vhost-net-guest.sh} boots Debian's kernel under QEMU (TCG), loads tun and
 * vhost_net there and runs {@link VhostNetGuestCheck} with this JDK and this build's class path
 * over the host's root shared read-only. The assertions are on what the guest program counted.
 */
class VhostNetGuestTest {
    private static final int FRAMES = 200;
    /** Two queue pairs: two vhost devices (two kernel workers) on a multi-queue TAP. */
    private static final int PAIRS = 2;

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void framesCrossTheKernelsVhostWorkerIntactInBothDirections() throws Exception {
        Prerequisites.requireExecutable("qemu-system-x86_64", "install qemu-system-x86");
        Prerequisites.requirePath("/usr/share/qemu/qboot.rom", "QEMU's qboot firmware (qemu-system-data)");
        Prerequisites.requireExecutable("busybox", "install busybox-static");
        Prerequisites.requireExecutable("apt-get", "the guest kernel comes from Debian's linux-image-amd64");
        Prerequisites.requireExecutable("dpkg-deb", "the guest kernel comes from Debian's linux-image-amd64");
        Prerequisites.requireExecutable("depmod", "install kmod");
        Path script = Path.of("..", "scripts", "vhost-net-guest.sh").toAbsolutePath().normalize();
        Path classpathFile = Path.of("target", "guest-classpath.txt");
        assertTrue(Files.isExecutable(script), script + " missing");
        assertTrue(Files.exists(classpathFile), classpathFile + " missing: Maven writes it (dependency:build-classpath)");

        String classpath = String.join(":", Path.of("target", "test-classes").toAbsolutePath().toString(),
                Path.of("target", "classes").toAbsolutePath().toString(), Files.readString(classpathFile).strip());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(script.toString(), "--timeout", "150", "--",
                java, "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", classpath, VhostNetGuestCheck.class.getName(), "vnt0",
                Integer.toString(FRAMES), Integer.toString(PAIRS));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        System.out.println(output);

        assertEquals(0, exit, "guest run failed:\n" + output);
        Map<String, String> r = parseResult(output);
        assertNotNull(r, "no " + VhostNetGuestCheck.RESULT_PREFIX + " line in:\n" + output);
        assertEquals(null, r.get("error"), "the guest program failed: " + r.get("error"));
        long expectedBytes = 0;
        for (int seq = 0; seq < FRAMES; seq++) {
            expectedBytes += VhostNetGuestCheck.frameLength(seq);
        }
        // Transmit (round robin over both pairs): every frame out of the TAP, byte for byte, every chain returned used.
        assertEquals(FRAMES, num(r, "txSent"));
        assertEquals(FRAMES, num(r, "txMatched"));
        assertEquals(0, num(r, "txBad"));
        assertEquals(expectedBytes, num(r, "txBytes"));
        assertEquals(FRAMES, num(r, "txUsed"));
        // Receive (the TAP picks the queue): every frame in a ring behind a 12-byte header, byte for byte.
        assertEquals(FRAMES, num(r, "rxSent"));
        assertEquals(FRAMES, num(r, "rxMatched"));
        assertEquals(0, num(r, "rxBad"));
        assertEquals(expectedBytes, num(r, "rxBytes"));
        // The hostile chain after them (a buffer outside guest memory, on pair 0's TX ring): the worker's
        // error eventfd made the backend report queue 1 broken, once.
        assertEquals(1, num(r, "brokenQueues"));
        assertEquals(1, num(r, "brokenQueueIndex"));
        // The kernel's last avail index per ring (GET_VRING_BASE, in queue order rx0, tx0, rx1, tx1) is
        // every chain its worker took on that ring, and not the hostile one.
        long[] stopAvail = nums(r, "stopAvail");
        long[] txPerPair = nums(r, "txUsedPerPair");
        long[] rxPerPair = nums(r, "rxUsedPerPair");
        assertEquals(2 * PAIRS, stopAvail.length);
        for (int p = 0; p < PAIRS; p++) {
            assertEquals(FRAMES / PAIRS, txPerPair[p], "tx chains of pair " + p);
            assertEquals(txPerPair[p], stopAvail[2 * p + 1], "tx ring base of pair " + p);
            assertEquals(rxPerPair[p], stopAvail[2 * p], "rx ring base of pair " + p);
        }
        assertEquals(num(r, "rxUsed"), Arrays.stream(rxPerPair).sum());
        // TX calls are eventfds the kernel signals; RX calls have no fd and were relayed by the backend.
        assertTrue(num(r, "txCalls") > 0, "the workers signalled the TX call eventfds: " + r);
        assertTrue(num(r, "rxCalls") > 0, "the backend relayed the workers' RX calls: " + r);
        // After closing the backend and the notifiers: no vhost, TAP or eventfd left.
        assertEquals(0, num(r, "openVhostFds"));
        assertEquals(0, num(r, "openTunFds"));
        assertEquals(0, num(r, "openEventfds"));
    }

    private static long[] nums(Map<String, String> r, String key) {
        String value = r.get(key);
        assertNotNull(value, key + " missing from the guest's result " + r);
        return Arrays.stream(value.split(",")).mapToLong(Long::parseLong).toArray();
    }

    private static Map<String, String> parseResult(String output) {
        for (String line : output.split("\n")) {
            if (line.startsWith(VhostNetGuestCheck.RESULT_PREFIX + " ")) {
                Map<String, String> values = new HashMap<>();
                for (String field : line.substring(VhostNetGuestCheck.RESULT_PREFIX.length() + 1).split(" ")) {
                    int eq = field.indexOf('=');
                    values.put(field.substring(0, eq), field.substring(eq + 1));
                }
                return values;
            }
        }
        return null;
    }

    private static long num(Map<String, String> r, String key) {
        String value = r.get(key);
        assertNotNull(value, key + " missing from the guest's result " + r);
        return Long.parseLong(value);
    }
}
