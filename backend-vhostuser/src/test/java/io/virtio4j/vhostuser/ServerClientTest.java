package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixListener;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server mode (one front-end at a time, state dropped on disconnect) and client mode (retry, reconnect). */
class ServerClientTest {
    @TempDir
    Path dir;

    private static final int GET_FEATURES = Request.GET_FEATURES.id();

    /** One GET_FEATURES round trip over {@code s}. */
    private static long getFeatures(UnixSocket s) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            Message m = new Message(arena);
            m.header(GET_FEATURES, Message.VERSION, 0);
            s.send(m.buffer(), Message.HEADER_SIZE);
            ReceivedFds fds = new ReceivedFds();
            assertTrue(s.receive(m.buffer(), 0, Message.HEADER_SIZE + 8, fds));
            assertEquals(GET_FEATURES, m.request());
            return m.u64(0);
        }
    }

    @Test
    void serverServesFrontEndsOneAfterAnotherAndDropsStateBetween() throws Exception {
        Path sock = dir.resolve("vu.sock");
        long expected = BackendConfig.net(1).offeredFeatures();
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> RingListener.NONE)) {
            assertTrue(Files.exists(sock));
            for (int i = 0; i < 3; i++) {
                try (UnixSocket s = UnixSocket.connect(sock)) {
                    assertEquals(expected, getFeatures(s));
                    int mem = TestFiles.memfd(BackendSessionTest.MEM_SIZE);
                    try (var arena = java.lang.foreign.Arena.ofConfined()) {
                        Message m = new Message(arena);
                        m.header(Request.SET_MEM_TABLE.id(), Message.VERSION, 40).u32(0, 1)
                                .u64(8, BackendSessionTest.GPA).u64(16, BackendSessionTest.MEM_SIZE)
                                .u64(24, BackendSessionTest.UVA).u64(32, 0);
                        s.send(m.buffer(), m.totalLength(), mem);
                    }
                    TestFiles.close(mem);
                    assertEquals(expected, getFeatures(s));
                    assertEquals(1, TestFiles.testMappings());
                }
                final int served = i + 1;
                TestFiles.waitFor(() -> server.counters().sessions() == served, "the session ended");
                assertEquals(0, TestFiles.testMappings(), "mapping survived the disconnect");
            }
            assertEquals(0, server.counters().disconnects());
        }
        assertFalse(Files.exists(sock), "socket file left behind");
    }

    @Test
    void clientRetriesUntilTheFrontEndListensAndReconnectsAfterItLeaves() throws Exception {
        Path sock = dir.resolve("fe.sock");
        try (VhostUserClient client = VhostUserClient.connect(sock, Duration.ofMillis(20), BackendConfig.net(2), () -> RingListener.NONE)) {
            Thread.sleep(100);
            assertNull(client.currentSession());
            try (UnixListener frontEnd = UnixListener.bind(sock)) {
                try (UnixSocket s = frontEnd.accept()) {
                    assertEquals(BackendConfig.net(2).offeredFeatures(), getFeatures(s));
                }
                TestFiles.waitFor(() -> client.counters().sessions() == 1, "the session ended");
                // The back-end comes back on its own.
                try (UnixSocket s = frontEnd.accept()) {
                    assertEquals(BackendConfig.net(2).offeredFeatures(), getFeatures(s));
                }
            }
        }
    }

    @Test
    void aReconnectedClientResumesTheRingsFromSetVringBase() throws Exception {
        Path sock = dir.resolve("resume.sock");
        RecordingListener listener = new RecordingListener();
        try (VhostUserClient client = VhostUserClient.connect(sock, Duration.ofMillis(20), BackendConfig.net(1), () -> listener);
             UnixListener frontEnd = UnixListener.bind(sock);
             GuestNic nic = new GuestNic()) {
            for (int base : new int[] {0, 4242}) {
                try (VhostUserFrontend fe = VhostUserFrontend.over(frontEnd.accept())) {
                    fe.setFeatures(BackendConfig.VIRTIO_F_VERSION_1);
                    fe.setMemTable(nic.memory());
                    fe.setVringNum(1, GuestNic.QSIZE);
                    fe.setVringBase(1, base);
                    fe.setVringAddr(1, nic.layout(1), nic.memory());
                    fe.setVringKick(1, nic.kickFd(1));
                    // Without PROTOCOL_FEATURES the kick starts the ring; a round trip makes sure it did.
                    assertEquals(BackendConfig.net(1).offeredFeatures(), fe.getFeatures());
                    assertEquals("start 1 base " + base, listener.events.get(listener.events.size() - 1));
                }
                final int sessions = base == 0 ? 1 : 2;
                TestFiles.waitFor(() -> client.counters().sessions() == sessions, "the session ended");
            }
        }
    }
}
