package io.virtio4j.ovs.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.ovs.testing.ThreadMeasures;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;

/**
 * The switch's throughput with a real peer (run by bench/switch-bench.sh): two vhost-user ports
 * cross-connected, one dpdk-testpmd with two net_virtio_user ports in io forwarding, started
 * with {@code start tx_first 8} so enough 64-byte frames circle to keep both sides busy. Prints
 * Mpps (frames the switch received on both ports per second), busy nanoseconds per frame, drops,
 * and the PMD thread's allocated bytes over the measured window.
 *
 * <p>Arguments: seconds to measure (default 30), a directory for the sockets and testpmd's log.
 */
public final class SwitchBench {
    private SwitchBench() {
    }

    public static void main(String[] args) throws Exception {
        Duration run = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 30);
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("switch-bench");
        Files.createDirectories(dir);
        Path s0 = dir.resolve("p0.sock");
        Path s1 = dir.resolve("p1.sock");
        List<PortSpec> ports = List.of(PortSpec.access("p0", PortType.VHOST_USER_SERVER, s0.toString(), 10),
                PortSpec.access("p1", PortType.VHOST_USER_SERVER, s1.toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports)).start()) {
            Process testpmd = new ProcessBuilder("dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "512",
                    "--no-pci", "--file-prefix", "v4j-bench-" + ProcessHandle.current().pid(),
                    "--vdev", "net_virtio_user0,path=" + s0 + ",queues=1,queue_size=1024",
                    "--vdev", "net_virtio_user1,path=" + s1 + ",queues=1,queue_size=1024", "--",
                    "-i", "--forward-mode=io", "--nb-cores=1", "--txq=1", "--rxq=1", "--total-num-mbufs=32768")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("testpmd.log").toFile()).start();
            try (OutputStream commands = testpmd.getOutputStream()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!(sw.port("p0").connected() && sw.port("p1").connected())) {
                    if (System.nanoTime() > deadline || !testpmd.isAlive()) {
                        throw new IllegalStateException("testpmd did not attach; see " + dir.resolve("testpmd.log"));
                    }
                    Thread.sleep(50);
                }
                commands.write("start tx_first 8\n".getBytes(StandardCharsets.US_ASCII));
                commands.flush();
                Thread.sleep(3000); // warm-up: JIT, rings filled
                Thread pmd = sw.pmdThreads().get(0);
                long frames0 = received(sw);
                PmdSnapshot pmd0 = sw.pmdStats().get(0);
                long allocated0 = ThreadMeasures.allocatedBytes(pmd);
                long t0 = System.nanoTime();
                for (long s = 1; s <= run.toSeconds(); s++) {
                    Thread.sleep(1000);
                    System.out.printf("t=%2ds  %.2f Mpps so far%n", s, (received(sw) - frames0) / ((System.nanoTime() - t0) / 1e9) / 1e6);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long frames = received(sw) - frames0;
                long allocated = ThreadMeasures.allocatedBytes(pmd) - allocated0;
                PmdSnapshot pmd1 = sw.pmdStats().get(0);
                long busy = pmd1.busyNanos() - pmd0.busyNanos();
                long pmdFrames = pmd1.frames() - pmd0.frames();
                long drops = sw.ports().stream().mapToLong(p -> p.stats().dropped()).sum();
                System.out.printf("RESULT frames=%d seconds=%.1f mpps=%.3f busy_ns_per_frame=%.1f pmd_busy=%.0f%% drops=%d"
                                + " pmd_allocated_bytes=%d bytes_per_frame=%.5f%n",
                        frames, seconds, frames / seconds / 1e6, (double) busy / pmdFrames,
                        100.0 * busy / (busy + pmd1.idleNanos() - pmd0.idleNanos()), drops, allocated, (double) allocated / frames);
                commands.write("stop\nquit\n".getBytes(StandardCharsets.US_ASCII));
                commands.flush();
            } catch (IOException e) {
                System.out.println("testpmd closed its stdin early: " + e.getMessage());
            } finally {
                if (!testpmd.waitFor(10, TimeUnit.SECONDS)) {
                    testpmd.destroyForcibly().waitFor();
                }
            }
            for (PortInfo p : sw.ports()) {
                System.out.println(p.name() + " " + p.stats());
            }
        }
    }

    private static long received(VirtualSwitch sw) {
        return sw.ports().stream().mapToLong(p -> p.stats().rxFrames()).sum();
    }
}
