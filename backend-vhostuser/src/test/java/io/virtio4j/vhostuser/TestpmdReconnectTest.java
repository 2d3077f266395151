package io.virtio4j.vhostuser;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real peer, broken connections: testpmd's net_virtio_user front-end killed with SIGKILL mid-traffic
 * (our server releases everything and serves the next one), and our client back-end restarted while
 * testpmd listens (the new one reconnects and the traffic resumes).
 */
class TestpmdReconnectTest {
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final long FRAMES = 10_000;

    @TempDir
    Path dir;

    @Test
    void killingTestpmdMidTrafficReleasesEveryFdAndMappingAndTheNextTestpmdGetsServed() throws Exception {
        Testpmd.require();
        Path sock = dir.resolve("kill.sock");
        String vdev = "net_virtio_user0,path=" + sock + ",queues=1,queue_size=256";
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> port)) {
            long fds = TestFiles.openFds();
            assertEquals(0, peerMappings(), "no peer memory mapped before a peer came");

            Testpmd first = Testpmd.start(dir, "vu-kill1", vdev, "txonly");
            try {
                receive(port, FRAMES, first);
                assertTrue(peerMappings() > 0, "the peer's memory is mapped while it runs");
                first.kill();
            } finally {
                first.close();
            }
            TestFiles.waitFor(() -> server.counters().sessions() == 1 && server.currentSession() == null, "the session ended");
            assertFalse(port.ready(0), "the rings stopped with the session");
            TestFiles.waitFor(() -> TestFiles.openFds() == fds, "fds back to " + fds);
            assertEquals(0, peerMappings(), "the peer's memory is unmapped");

            try (Testpmd second = Testpmd.start(dir, "vu-kill2", vdev, "txonly")) {
                long before = port.received();
                receive(port, FRAMES, second);
                assertTrue(port.received() - before >= FRAMES);
            }
            TestFiles.waitFor(() -> server.counters().sessions() == 2 && TestFiles.openFds() == fds, "the second session released its fds too");
            assertEquals(0, peerMappings());
        }
    }

    @Test
    void ourClientBackendRestartedWhileTestpmdListensReconnectsAndTrafficResumes() throws Exception {
        Testpmd.require();
        Path sock = dir.resolve("restart.sock");
        VhostUserNetPort before = new VhostUserNetPort(1, 9000);
        VhostUserNetPort after = new VhostUserNetPort(1, 9000);
        Duration retry = Duration.ofMillis(100);
        try (Testpmd testpmd = Testpmd.start(dir, "vu-restart",
                "net_virtio_user0,path=" + sock + ",queues=1,queue_size=256,server=1", "txonly")) {
            try (VhostUserClient first = VhostUserClient.connect(sock, retry, BackendConfig.net(1), () -> before)) {
                receive(before, FRAMES, testpmd);
            }
            assertFalse(before.ready(0));
            long receivedBefore = before.received();
            try (VhostUserClient second = VhostUserClient.connect(sock, retry, BackendConfig.net(1), () -> after)) {
                receive(after, FRAMES, testpmd);
                assertEquals(0, second.counters().disconnects(), testpmd.tail());
                // virtio-user sends base 0 to a reconnecting back-end; the TX ring resumed from its used index.
                assertTrue(second.counters().ringRestores() >= 1, "rings restored: " + second.counters().ringRestores());
            }
            assertEquals(receivedBefore, before.received(), "the old back-end got nothing after it closed");
            assertTrue(testpmd.isAlive(), "testpmd survived its back-end's restart");
        }
    }

    /** Takes frames from {@code port} until {@code count} more arrived; fails with the log after 30 s. */
    private static void receive(VhostUserNetPort port, long count, Testpmd testpmd) throws InterruptedException {
        long target = port.received() + count;
        testpmd.waitFor(() -> {
            while (port.receive(0, (buf, off, len) -> { }, 32) > 0) {
                if (port.received() >= target) {
                    return true;
                }
            }
            return port.received() >= target;
        }, STARTUP, "fewer than " + count + " frames arrived (" + port.received() + " in all)");
    }

    /** Mappings of a peer's shared memory (DPDK's memfd or hugepage files) in this process. */
    private static long peerMappings() throws IOException {
        return TestFiles.sharedFileMappings();
    }
}
