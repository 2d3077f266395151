package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * A {@code vhost-user-client} port from a config file whose front-end is a real listening one:
 * dpdk-testpmd's {@code net_virtio_user} with {@code server=1}, sending with {@code txonly}. The
 * daemon connects, the frames arrive (flooded to the in-process guest on the same VLAN), testpmd
 * exits, the port waits, a new testpmd listens on the same path, and the daemon connects again.
 */
@NeedsPeer
class ClientPortTestpmdTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void theSwitchReconnectsToARestartedTestpmd() throws Exception {
        Prerequisites.requireExecutable("dpdk-testpmd", "apt-get install dpdk");
        Prerequisites.requireRoot();
        Path config = dir.resolve("switch.conf");
        Files.writeString(config, TwoVpcs.switchSection("none") + """
                [port tp]
                type = vhost-user-client
                path = tp.sock
                vlan = 10
                reconnect = 100ms
                [port vm1]
                type = vhost-user-server
                path = vm1.sock
                vlan = 10
                """);
        try (RunningDaemon daemon = new RunningDaemon(config, dir.resolve("ctl.sock"));
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"))) {
            daemon.awaitConnected("vm1");
            for (int round = 0; round < 2; round++) {
                Process testpmd = startTestpmd(round);
                try {
                    long before = Long.parseLong(daemon.row("ports", "tp")[7]);
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (Long.parseLong(daemon.row("ports", "tp")[7]) < before + 1000) {
                        assertTrue(System.nanoTime() < deadline && testpmd.isAlive(),
                                "round " + round + ": no frames from testpmd: " + daemon.ctl("ports") + log(round));
                        Thread.sleep(20);
                    }
                    assertEquals("connected", daemon.row("ports", "tp")[4]);
                } finally {
                    stop(testpmd);
                }
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!daemon.row("ports", "tp")[4].equals("waiting")) {
                    assertTrue(System.nanoTime() < deadline, "round " + round + ": tp still connected after testpmd exited");
                    Thread.sleep(20);
                }
                assertFalse(vm1.takeAll().isEmpty(), "round " + round + ": testpmd's frames are flooded to vm1 on the same VLAN");
            }
        }
    }

    private Process startTestpmd(int round) throws IOException {
        List<String> cmd = List.of("dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", "v4j-client-" + ProcessHandle.current().pid(),
                "--vdev", "net_virtio_user0,path=" + dir.resolve("tp.sock") + ",server=1,queues=1,queue_size=256", "--",
                "--forward-mode=txonly", "--stats-period", "1", "--nb-cores=1", "--total-num-mbufs=16384");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("testpmd" + round + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    }

    private static void stop(Process testpmd) throws InterruptedException {
        testpmd.destroy();
        if (!testpmd.waitFor(10, TimeUnit.SECONDS)) {
            testpmd.destroyForcibly().waitFor();
        }
    }

    private String log(int round) {
        try {
            return "\ntestpmd:\n" + Files.readString(dir.resolve("testpmd" + round + ".log"));
        } catch (IOException e) {
            return "\n(no testpmd log: " + e + ")";
        }
    }
}
