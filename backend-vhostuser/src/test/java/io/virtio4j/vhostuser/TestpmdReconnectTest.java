package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.testing.NeedsPeer;

/**
 * Real peer, broken connections: testpmd's net_virtio_user front-end killed with SIGKILL mid-traffic
 * (our server releases everything and serves the next one), and our client back-end restarted while
 * testpmd listens (the new one reconnects and the traffic resumes). Each with split rings and with
 * packed rings ({@code packed_vq=1}, issue 14).
 */
@NeedsPeer
class TestpmdReconnectTest {
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final long FRAMES = 10_000;
    /** Where a new packed ring starts: slot 0 with the wrap counter 1 in bit 15 (spec 2.8.1; vhost-user's base). */
    private static final int FRESH_PACKED = 0x8000;

    @TempDir
    Path dir;

    /** testpmd's port on {@code sock}; with {@code packed} it asks for packed rings. */
    private static String virtioUser(Path sock, boolean packed, String extra) {
        return "net_virtio_user0,path=" + sock + ",queues=1,queue_size=256" + extra + (packed ? ",packed_vq=1" : "");
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void killingTestpmdMidTrafficReleasesEveryFdAndMappingAndTheNextTestpmdGetsServed(boolean packed) throws Exception {
        Testpmd.require();
        Path sock = dir.resolve("kill.sock");
        String vdev = virtioUser(sock, packed, "");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        TestpmdPeerTest.RecordingListener recorder = new TestpmdPeerTest.RecordingListener(port);
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> recorder)) {
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
                recorder.assertRingKind(packed, second.tail());
                // A new front-end, a new ring: the second session starts where a fresh ring does.
                assertEquals(packed ? FRESH_PACKED : 0, recorder.startedAt[1], "TX ring's start: " + second.tail());
            }
            TestFiles.waitFor(() -> server.counters().sessions() == 2 && TestFiles.openFds() == fds, "the second session released its fds too");
            assertEquals(0, peerMappings());
        }
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void ourClientBackendRestartedWhileTestpmdListensReconnectsAndTrafficResumes(boolean packed) throws Exception {
        Testpmd.require();
        Path sock = dir.resolve("restart.sock");
        VhostUserNetPort before = new VhostUserNetPort(1, 9000);
        VhostUserNetPort after = new VhostUserNetPort(1, 9000);
        TestpmdPeerTest.RecordingListener firstRecorder = new TestpmdPeerTest.RecordingListener(before);
        TestpmdPeerTest.RecordingListener secondRecorder = new TestpmdPeerTest.RecordingListener(after);
        Duration retry = Duration.ofMillis(100);
        try (Testpmd testpmd = Testpmd.start(dir, "vu-restart", virtioUser(sock, packed, ",server=1"), "txonly")) {
            try (VhostUserClient first = VhostUserClient.connect(sock, retry, BackendConfig.net(1), () -> firstRecorder)) {
                receive(before, FRAMES, testpmd);
            }
            assertFalse(before.ready(0));
            long receivedBefore = before.received();
            try (VhostUserClient second = VhostUserClient.connect(sock, retry, BackendConfig.net(1), () -> secondRecorder)) {
                receive(after, FRAMES, testpmd);
                assertEquals(0, second.counters().disconnects(), testpmd.tail());
                secondRecorder.assertRingKind(packed, testpmd.tail());
                if (packed) {
                    // A packed ring has no used index in guest memory to resume from: virtio-user
                    // resets its packed queues on reconnection (dropping what was in flight) and
                    // sends the fresh position, slot 0 with the wrap counter set; the ring resumed
                    // from that base, the front-end's word, and nothing was second-guessed.
                    testpmd.waitForLog("when packed ring reconnecting", Duration.ofSeconds(5));
                    assertEquals(FRESH_PACKED, secondRecorder.startedAt[1], "TX ring's start: " + testpmd.tail());
                    assertEquals(0, second.counters().ringRestores(), "rings restored from guest memory");
                } else {
                    // virtio-user sends base 0 to a reconnecting back-end; the TX ring resumed from its used index.
                    assertTrue(second.counters().ringRestores() >= 1, "rings restored: " + second.counters().ringRestores());
                }
            }
            System.out.println((packed ? "packed" : "split") + ": the first back-end's TX ring stopped at 0x"
                    + Integer.toHexString(firstRecorder.stoppedAt[1]) + ", the second's started at 0x"
                    + Integer.toHexString(secondRecorder.startedAt[1]) + "; frames " + receivedBefore + " then " + after.received());
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
