package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixListener;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.nio.file.Path;
import java.time.Duration;

import io.virtio4j.spi.BackendConfig;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.BackendSpec;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackendProvider;
import io.virtio4j.spi.NetBackends;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vhost-user provider's options, their validation and its discovery through ServiceLoader. */
class VhostUserBackendProviderTest {
    @TempDir
    Path dir;

    private static FrontendConfig config(String spec) {
        return VhostUserBackendProvider.toFrontendConfig(
                BackendConfig.validate(BackendSpec.parse(spec), new VhostUserBackendProvider().options()));
    }

    @Test
    void discoveryFindsTheVhostUserProvider() {
        NetBackendProvider found = NetBackends.discover().provider("vhost-user").orElseThrow();
        assertInstanceOf(VhostUserBackendProvider.class, found);
        assertFalse(found.description().isBlank());
    }

    @Test
    void defaultsAreClientModeOneSecondOneQueuePair() {
        assertEquals(new FrontendConfig(Path.of("/run/vu.sock"), FrontendConfig.Mode.CLIENT, Duration.ofSeconds(1), 1),
                config("vhost-user:path=/run/vu.sock"));
    }

    @Test
    void explicitOptionsAreTaken() {
        assertEquals(new FrontendConfig(Path.of("/tmp/x.sock"), FrontendConfig.Mode.SERVER, Duration.ofMillis(250), 4),
                config("vhost-user:path=/tmp/x.sock,mode=SERVER,reconnect=250ms,queues=4"));
        assertEquals(new FrontendConfig(Path.of("/tmp/x.sock"), FrontendConfig.Mode.CLIENT, Duration.ofSeconds(1), 1,
                        Duration.ofMillis(500), false),
                config("vhost-user:path=/tmp/x.sock,reply-timeout=500ms,packed=false"));
    }

    @Test
    void aMissingPathIsRefusedListingEveryOption() {
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> NetBackends.open("vhost-user:mode=client"));
        assertTrue(e.getMessage().contains("needs option 'path'"), e.getMessage());
        for (String option : new String[] {"path=<text> (required)", "mode=<one of client|server> (default client)",
                "reconnect=<a duration like 500ms, 1s, 2m> (default 1s)", "queues=<an integer 1..16> (default 1)"}) {
            assertTrue(e.getMessage().contains(option), option + " missing from: " + e.getMessage());
        }
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        for (String[] bad : new String[][] {{"mode=both", "'mode'"}, {"reconnect=soon", "'reconnect'"}, {"queues=17", "'queues'"},
                {"queues=0", "'queues'"}, {"vhost=on", "unknown option 'vhost'"}}) {
            BackendConfigException e = assertThrows(BackendConfigException.class,
                    () -> NetBackends.open("vhost-user:path=" + dir.resolve("s") + "," + bad[0]));
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + ": " + e.getMessage());
        }
    }

    @Test
    void aMistypedOptionGetsADidYouMean() {
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> NetBackends.open("vhost-user:pth=/x"));
        assertTrue(e.getMessage().startsWith("unknown option 'pth' for backend 'vhost-user' (did you mean 'path'?); valid options:"),
                e.getMessage());
        BackendConfigException mode = assertThrows(BackendConfigException.class,
                () -> NetBackends.open("vhost-user:path=" + dir.resolve("s") + ",mode=sever"));
        assertTrue(mode.getMessage().endsWith("(did you mean 'server'?)"), mode.getMessage());
    }

    @Test
    void aZeroReconnectIntervalIsAConfigurationError() {
        BackendConfigException e = assertThrows(BackendConfigException.class,
                () -> NetBackends.open("vhost-user:path=" + dir.resolve("s") + ",reconnect=0ms"));
        assertTrue(e.getMessage().contains("reconnect interval must be positive"), e.getMessage());
    }

    @Test
    void openedBackendReportsItsShapeAndServerModeListensUntilClosed() throws Exception {
        Path sock = dir.resolve("listen.sock");
        long fds = TestFiles.openFds();
        try (NetBackend backend = NetBackends.open("vhost-user:path=" + sock + ",mode=server,queues=2")) {
            assertEquals("vhost-user", backend.name());
            assertEquals(2, backend.maxQueuePairs());
            assertEquals(VhostUserNetBackend.ASSUMED_FEATURES, backend.supportedFeatures(), "nobody connected yet");
            assertTrue(sock.toFile().exists(), "server mode binds at open");
        }
        assertFalse(sock.toFile().exists(), "the socket file is removed on close");
        assertEquals(fds, TestFiles.openFds(), "close releases the listener, epoll and eventfds");
    }

    @Test
    void aBackEndAnsweringTheWrongRequestIsDroppedCountedAndTriedAgainWithoutLeaks() throws Exception {
        Path sock = dir.resolve("liar.sock");
        long fds = TestFiles.openFds();
        try (UnixListener liar = UnixListener.bind(sock);
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",reconnect=20ms");
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            Message m = new Message(arena);
            ReceivedFds received = new ReceivedFds();
            for (int round = 0; round < 2; round++) {
                try (UnixSocket s = liar.accept()) {
                    assertTrue(s.receive(m.buffer(), 0, Message.HEADER_SIZE, received));
                    assertEquals(Request.GET_FEATURES.id(), m.request());
                    // A reply to a request that was never asked, with every feature bit set.
                    m.header(Request.GET_PROTOCOL_FEATURES.id(), Message.VERSION | Message.REPLY, 8).u64(0, -1L);
                    s.send(m.buffer(), m.totalLength());
                    try {
                        assertFalse(s.receive(m.buffer(), 0, Message.HEADER_SIZE, received), "the front-end hung up");
                    } catch (VhostUserException e) {
                        // It closed with the reply's payload unread: the kernel reports ECONNRESET.
                        assertEquals(104, e.errno(), e.getMessage());
                    }
                }
            }
            TestFiles.waitFor(() -> backend.counters().failedHandshakes() >= 2, "both handshakes counted as failed");
            assertFalse(backend.connected());
            assertEquals(0, backend.counters().connections());
            assertEquals(VhostUserNetBackend.ASSUMED_FEATURES, backend.supportedFeatures(), "nothing taken from the liar");
        }
        TestFiles.waitFor(() -> TestFiles.openFds() == fds, "fds back to " + fds);
    }

    /**
     * A back-end that accepts and never answers holds the supervisor in its handshake: the
     * embedder's queries must not wait behind it, and close must end it.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 10, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aBackEndThatNeverAnswersBlocksNeitherQueriesNorClose() throws Exception {
        Path sock = dir.resolve("mute.sock");
        long fds = TestFiles.openFds();
        try (UnixListener mute = UnixListener.bind(sock)) {
            VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock + ",reconnect=20ms");
            try (UnixSocket s = mute.accept()) {
                // Connected at the socket level, its GET_FEATURES unanswered.
                assertTrue(s.receive(new Message(java.lang.foreign.Arena.ofAuto()).buffer(), 0, Message.HEADER_SIZE, new ReceivedFds()));
                long start = System.nanoTime();
                assertFalse(backend.connected());
                assertEquals(VhostUserNetBackend.ASSUMED_FEATURES, backend.supportedFeatures());
                backend.close();
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 2_000, "queries and close took " + millis + " ms behind the mute back-end's handshake");
            }
        }
        TestFiles.waitFor(() -> TestFiles.openFds() == fds, "fds back to " + fds);
    }

    /**
     * A back-end that accepts and never answers costs the front-end one reply timeout: the
     * handshake is dropped, counted as failed, and the front-end connects again.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 20, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aMuteBackEndCostsOneReplyTimeoutThenTheFrontEndTriesAgain() throws Exception {
        Path sock = dir.resolve("mute2.sock");
        long fds = TestFiles.openFds();
        try (UnixListener mute = UnixListener.bind(sock);
             VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open(
                     "vhost-user:path=" + sock + ",reconnect=20ms,reply-timeout=200ms")) {
            long start = System.nanoTime();
            for (int round = 0; round < 2; round++) {
                try (UnixSocket s = mute.accept()) {
                    assertTrue(s.receive(new Message(java.lang.foreign.Arena.ofAuto()).buffer(), 0, Message.HEADER_SIZE,
                            new ReceivedFds()), "GET_FEATURES arrives");
                    int r = round;
                    // Never answered: the front-end gives up after its reply timeout and hangs up.
                    TestFiles.waitFor(() -> backend.counters().failedHandshakes() > r, "handshake " + r + " timed out");
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 400, "two handshakes gave up after " + millis + " ms, before their 200 ms timeouts");
            assertFalse(backend.connected());
        }
        TestFiles.waitFor(() -> TestFiles.openFds() == fds, "fds back to " + fds);
    }
}
