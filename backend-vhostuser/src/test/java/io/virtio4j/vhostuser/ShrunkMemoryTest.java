package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.protocol.VringState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A front-end that shrinks its guest memory (ftruncate of the memfd it sent) must cost its own
 * connection only: the port's session thread survives and accepts the next front-end.
 */
class ShrunkMemoryTest {
    @TempDir
    Path dir;

    /** A fresh front-end on {@code sock} answers GET_FEATURES within 5 s (the server still accepts and serves). */
    private static void assertServes(Path sock) throws Exception {
        VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5));
        try {
            CompletableFuture<Long> features = CompletableFuture.supplyAsync(fe::getFeatures);
            try {
                assertEquals(BackendConfig.net(1).offeredFeatures(), features.get(5, TimeUnit.SECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the server no longer serves new front-ends", e);
            }
        } finally {
            // Wakes a reader still blocked on a dead server.
            fe.socket().shutdown();
            fe.close();
        }
    }

    /** Hands ring 1 (TX) over without its kick: the ring starts, touching guest memory, at the kick. */
    private static void handOverAllButKick(VhostUserFrontend fe, GuestNic nic) {
        fe.setFeatures(BackendConfig.VIRTIO_F_VERSION_1);
        fe.setMemTable(nic.memory());
        fe.setVringNum(1, GuestNic.QSIZE);
        fe.setVringBase(1, 0);
        fe.setVringAddr(1, nic.layout(1), nic.memory());
    }

    @Test
    void memoryShrunkBeforeTheRingStartsDropsOnlyThatConnection() throws Exception {
        Path sock = dir.resolve("shrink.sock");
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> RingListener.NONE);
             GuestNic nic = GuestNic.unsealed()) {
            long fdsBefore = TestFiles.openFds();
            long mappingsBefore = TestFiles.sharedFileMappings();
            VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5));
            try {
                handOverAllButKick(fe, nic);
                // The used ring's index is not 0, so a start would read it (restoring the base).
                GuestMemory m = nic.memory();
                m.slice(nic.layout(1).usedAddr() + 2, 2).set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 7);
                // A round trip: the back-end has mapped the memory before it shrinks.
                fe.getFeatures();
                nic.shrinkMemory();
                fe.setVringKick(1, nic.kickFd(1));
                // The session drops this connection: the next request finds it closed.
                assertThrows(VhostUserException.class, fe::getFeatures);
            } finally {
                fe.close();
            }
            TestFiles.waitFor(() -> server.counters().sessions() == 1, "the shrunk session ended");
            assertTrue(server.isAlive(), "the session loop died");
            assertEquals(1, server.counters().memoryFaults());
            assertEquals(mappingsBefore, TestFiles.sharedFileMappings(), "the shrunk memory is still mapped");
            assertServes(sock);
            TestFiles.waitFor(() -> TestFiles.openFds() <= fdsBefore, "the sessions' fds closed");
        }
    }

    @Test
    void aFaultOnTheSessionThreadDropsOnlyThatConnection() throws Exception {
        Path sock = dir.resolve("fault.sock");
        // What the JVM raises when a read of guest memory faults after the front-end shrank it.
        RingListener faulting = new RingListener() {
            @Override
            public void ringStarted(VringState ring, GuestMemory memory, long features) {
                throw new InternalError("a fault occurred in an unsafe memory access operation");
            }

            @Override
            public int ringStopped(VringState ring) {
                return ring.base();
            }
        };
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> faulting);
             GuestNic nic = new GuestNic()) {
            VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5));
            try {
                handOverAllButKick(fe, nic);
                fe.setVringKick(1, nic.kickFd(1));
                assertThrows(VhostUserException.class, fe::getFeatures);
            } finally {
                fe.close();
            }
            TestFiles.waitFor(() -> server.counters().sessions() == 1, "the faulted session ended");
            assertTrue(server.isAlive(), "the session loop died");
            assertEquals(1, server.counters().memoryFaults());
            assertServes(sock);
        }
    }
}
