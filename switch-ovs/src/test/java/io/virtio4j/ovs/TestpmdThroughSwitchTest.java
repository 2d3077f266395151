package io.virtio4j.ovs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real peer: one dpdk-testpmd with two {@code net_virtio_user} ports (DPDK's user-space virtio
 * driver, the front-end of a real stack) on two vhost-user ports of the switch, io forwarding
 * between them with {@code --tx-first}: the first bursts circle testpmd -> switch -> testpmd for a
 * few seconds. Nothing may be lost: the switch drops nothing, and what one port received is what
 * the other sent.
 */
@NeedsPeer
class TestpmdThroughSwitchTest {
    private static final Duration RUN = Duration.ofSeconds(5);
    private static final Pattern RX_PPS = Pattern.compile("Rx-pps:\\s+(\\d+)");

    @TempDir
    Path dir;

    @Test
    void framesCircleThroughTheSwitchBetweenTwoTestpmdPortsWithoutLoss() throws Exception {
        Prerequisites.requireExecutable("dpdk-testpmd", "apt-get install dpdk");
        Prerequisites.requireRoot();
        Path s0 = dir.resolve("p0.sock");
        Path s1 = dir.resolve("p1.sock");
        List<PortSpec> ports = List.of(PortSpec.access("p0", PortType.VHOST_USER_SERVER, s0.toString(), 10),
                PortSpec.access("p1", PortType.VHOST_USER_SERVER, s1.toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        Path log = dir.resolve("testpmd.log");
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports))
                // The loop carries only the first bursts: between round trips the PMD must not fall asleep.
                .idleSpin(Duration.ofMillis(200)).start()) {
            List<String> cmd = new ArrayList<>(List.of("stdbuf", "-oL", "dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "256",
                    "--no-pci", "--file-prefix", "v4j-sw-" + ProcessHandle.current().pid(),
                    "--vdev", "net_virtio_user0,path=" + s0 + ",queues=1,queue_size=256",
                    "--vdev", "net_virtio_user1,path=" + s1 + ",queues=1,queue_size=256", "--",
                    "--forward-mode=io", "--tx-first", "--stats-period", "1", "--nb-cores=1", "--txq=1", "--rxq=1",
                    "--total-num-mbufs=16384"));
            Process testpmd = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!(sw.port("p0").connected() && sw.port("p1").connected())) {
                    assertTrue(System.nanoTime() < deadline && testpmd.isAlive(), "testpmd never attached both ports:\n" + tail(log));
                    Thread.sleep(20);
                }
                long startFrames = sw.port("p0").stats().rxFrames() + sw.port("p1").stats().rxFrames();
                Thread.sleep(RUN.toMillis());
                assertTrue(testpmd.isAlive(), "testpmd died:\n" + tail(log));
                long circled = sw.port("p0").stats().rxFrames() + sw.port("p1").stats().rxFrames() - startFrames;
                System.out.printf("testpmd io loop through the switch: %d frames in %d s (%.2f Mpps), pmd %s%n", circled,
                        RUN.toSeconds(), circled / (RUN.toNanos() / 1e9) / 1e6, sw.pmdStats().get(0));
                // 64 frames circle (a burst per port); how fast depends on how busy the two cores are
                // (about 1 Mpps on a quiet machine). What must hold is that they keep circling.
                assertTrue(circled > 5_000, "only " + circled + " frames circled:\n" + tail(log));
                for (DropReason r : DropReason.values()) {
                    assertEquals(0, sw.drops(r), r + " drops while testpmd ran:\n" + sw.ports());
                }
            } finally {
                testpmd.destroy();
                if (!testpmd.waitFor(10, TimeUnit.SECONDS)) {
                    testpmd.destroyForcibly().waitFor();
                }
            }
            // Every frame one port received left by the other, or, while testpmd was going away,
            // found the other port already closed (PORT_FULL): none vanished.
            PortInfo p0 = sw.port("p0");
            PortInfo p1 = sw.port("p1");
            assertEquals(p0.stats().rxFrames(), p1.stats().txFrames() + p1.stats().drops().get(DropReason.PORT_FULL), p0 + "\n" + p1);
            assertEquals(p1.stats().rxFrames(), p0.stats().txFrames() + p0.stats().drops().get(DropReason.PORT_FULL), p0 + "\n" + p1);
            System.out.println("testpmd best Rx-pps: " + maxMatch(log, RX_PPS));
        }
    }

    private static long maxMatch(Path log, Pattern p) throws IOException {
        long max = 0;
        Matcher m = p.matcher(Files.readString(log));
        while (m.find()) {
            max = Math.max(max, Long.parseLong(m.group(1)));
        }
        return max;
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
