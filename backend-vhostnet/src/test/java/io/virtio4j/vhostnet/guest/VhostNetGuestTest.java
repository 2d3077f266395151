package io.virtio4j.vhostnet.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * The real test of the vhost-net backend: this machine's kernel has no vhost_net, so
 * {@code scripts/linux-guest.sh --modules tun,vhost_net} boots Debian's kernel under QEMU (TCG),
 * loads tun and vhost_net there and runs {@link VhostNetGuestCheck} with this JDK and this build's
 * class path over the host's root shared read-only. The assertions are on what the guest program
 * counted.
 */
@NeedsKernel
@NeedsPeer
class VhostNetGuestTest {
    private static final int FRAMES = 200;
    /** Two queue pairs: two vhost devices (two kernel workers) on a multi-queue TAP. */
    private static final int PAIRS = 2;

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void framesCrossTheKernelsVhostWorkerIntactInBothDirections() throws Exception {
        Prerequisites.requireDebianGuest();
        Path script = Path.of("..", "scripts", "linux-guest.sh").toAbsolutePath().normalize();
        Path classpathFile = Path.of("target", "guest-classpath.txt");
        assertTrue(Files.isExecutable(script), script + " missing");
        assertTrue(Files.exists(classpathFile), classpathFile + " missing: Maven writes it (dependency:build-classpath)");

        String classpath = String.join(":", Path.of("target", "test-classes").toAbsolutePath().toString(),
                Path.of("target", "classes").toAbsolutePath().toString(), Files.readString(classpathFile).strip());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(script.toString(), "--modules", "tun,vhost_net", "--timeout", "150", "--",
                java, "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", classpath, VhostNetGuestCheck.class.getName(),
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
            expectedBytes += TestFrames.length(seq);
        }
        assertFramesIntact(r, "direct.", expectedBytes);
        assertFramesIntact(r, "device.", expectedBytes);

        // Direct: the hostile chain on pair 0's TX ring made the backend report queue 1 broken, once.
        assertEquals("1", r.get("direct.brokenQueues"));
        // The kernel's last avail index per ring (GET_VRING_BASE, in queue order rx0, tx0, rx1, tx1)
        // is every chain its worker took on that ring, and not the hostile one.
        long[] stopAvail = nums(r, "direct.stopAvail");
        long[] txPerPair = nums(r, "direct.txUsedPerPair");
        long[] rxPerPair = nums(r, "direct.rxUsedPerPair");
        assertEquals(2 * PAIRS, stopAvail.length);
        for (int p = 0; p < PAIRS; p++) {
            assertEquals(FRAMES / PAIRS, txPerPair[p], "tx chains of pair " + p);
            assertEquals(txPerPair[p], stopAvail[2 * p + 1], "tx ring base of pair " + p);
            assertEquals(rxPerPair[p], stopAvail[2 * p], "rx ring base of pair " + p);
        }
        // TX calls are eventfds the kernel signals; RX calls have no fd and were relayed by the backend.
        assertTrue(num(r, "direct.txCalls") > 0, "the workers signalled the TX call eventfds: " + r);
        assertTrue(num(r, "direct.rxCallsRelayed") > 0, "the backend relayed the workers' RX calls: " + r);

        // Device: the hostile chain set DEVICE_NEEDS_RESET through the backend's report; the reset
        // stopped the backend and kept the ring bases; every interrupt came through the relay.
        assertEquals(1, num(r, "device.queueFailures"));
        assertEquals(FRAMES + "," + FRAMES, r.get("device.stopAvail"));
        assertTrue(num(r, "device.rxInterrupts") > 0 && num(r, "device.txInterrupts") > 0, "relayed interrupts: " + r);
        assertTrue(num(r, "device.configInterrupts") > 0, "the broken queue raised a config interrupt: " + r);

        // After both scenarios closed everything: no vhost, TAP or eventfd left.
        assertEquals(0, num(r, "openVhostFds"));
        assertEquals(0, num(r, "openTunFds"));
        assertEquals(0, num(r, "openEventfds"));
    }

    /** Every frame out of the TAP and into the rings, byte for byte, every TX chain used, the hostile chain reported. */
    private static void assertFramesIntact(Map<String, String> r, String scenario, long expectedBytes) {
        assertEquals(FRAMES, num(r, scenario + "txSent"), scenario);
        assertEquals(FRAMES, num(r, scenario + "txMatched"), scenario);
        assertEquals(0, num(r, scenario + "txBad"), scenario);
        assertEquals(expectedBytes, num(r, scenario + "txBytes"), scenario);
        assertEquals(FRAMES, num(r, scenario + "txUsed"), scenario);
        assertEquals(FRAMES, num(r, scenario + "rxSent"), scenario);
        assertEquals(FRAMES, num(r, scenario + "rxMatched"), scenario);
        assertEquals(0, num(r, scenario + "rxBad"), scenario);
        assertEquals(expectedBytes, num(r, scenario + "rxBytes"), scenario);
        assertEquals(FRAMES, num(r, scenario + "rxUsed") - num(r, scenario + "rxOther"), scenario);
        assertEquals(1, num(r, scenario + "hostileReported"), scenario);
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
