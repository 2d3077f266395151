package io.virtio4j.ovs.control;

import io.virtio4j.testing.OpenFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket over a real Unix socket, with well-behaved and hostile clients. */
class ControlServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ControlLimits FAST = new ControlLimits(4, Duration.ofMillis(300), Duration.ofMillis(500));

    @TempDir
    Path dir;
    private ControlServer server;

    private Path socket() {
        return dir.resolve("ctl.sock");
    }

    private CommandRegistry registry() {
        return new CommandRegistry()
                .register("ports", "ports and their VLANs", () -> Table.of("port", "type", "VLAN")
                        .row("vm1", "vhost-user-server", 10).row("router", "vhost-user-server", "10,20"))
                .register("big", "a large table", () -> {
                    Table t = Table.of("n", "text");
                    for (int i = 0; i < 200_000; i++) {
                        t.row(i, "row of a table too large for one socket buffer");
                    }
                    return t;
                })
                .register("broken", "always fails", () -> {
                    throw new IllegalStateException("the switch is confused");
                });
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void answersACommandWithItsAlignedTable() throws IOException {
        server = ControlServer.start(socket(), registry(), FAST);
        ControlReply reply = ControlClient.send(socket(), "ports", TIMEOUT);
        assertTrue(reply.ok());
        assertEquals(List.of(
                "port    type               VLAN",
                "vm1     vhost-user-server  10",
                "router  vhost-user-server  10,20"), reply.lines());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket())));

        ControlReply help = ControlClient.send(socket(), "help", TIMEOUT);
        assertEquals(List.of(
                "command  help",
                "big      a large table",
                "broken   always fails",
                "help     list the commands",
                "ports    ports and their VLANs"), help.lines());
        eventually(() -> server.stats().answered(), 2);
    }

    @Test
    void unknownAndFailingCommandsAreErrorsAndTheServerCarriesOn() {
        server = ControlServer.start(socket(), registry(), FAST);
        ControlReply unknown = ControlClient.send(socket(), "fbd", TIMEOUT);
        assertFalse(unknown.ok());
        assertEquals("unknown command 'fbd'; commands: big, broken, help, ports", unknown.error());
        ControlReply broken = ControlClient.send(socket(), "broken", TIMEOUT);
        assertEquals("command broken failed: java.lang.IllegalStateException: the switch is confused", broken.error());
        assertTrue(ControlClient.send(socket(), "ports", TIMEOUT).ok());
        assertEquals(2, server.stats().errorReplies());
    }

    @Test
    void aRequestMayArriveInPiecesAndWithACarriageReturn() throws Exception {
        server = ControlServer.start(socket(), registry(), FAST);
        try (SocketChannel slow = connect()) {
            slow.write(ByteBuffer.wrap("po".getBytes(StandardCharsets.US_ASCII)));
            Thread.sleep(50);
            slow.write(ByteBuffer.wrap("rts\r\n".getBytes(StandardCharsets.US_ASCII)));
            assertTrue(readAll(slow).startsWith("OK 3\nport    type"));
        }
    }

    @Test
    void aHugeLineIsCutOffWithAnError() throws IOException {
        server = ControlServer.start(socket(), registry(), FAST);
        try (SocketChannel hostile = connect()) {
            ByteBuffer junk = ByteBuffer.wrap("x".repeat(ControlProtocol.MAX_REQUEST_BYTES * 40).getBytes(StandardCharsets.US_ASCII));
            try {
                hostile.write(junk); // the server may close before all of it is written
            } catch (IOException closedOnUs) {
                // Expected: the server stops listening to this client after 256 bytes.
            }
            String reply = readAll(hostile);
            assertTrue(reply.startsWith("ERROR request longer than 256 bytes"), reply);
        }
        eventually(() -> server.stats().oversizedRequests(), 1);
        assertTrue(ControlClient.send(socket(), "ports", TIMEOUT).ok());
    }

    @Test
    void aClientThatNeverFinishesItsLineIsClosedAtTheDeadline() throws IOException {
        server = ControlServer.start(socket(), registry(), FAST);
        try (SocketChannel silent = connect()) {
            silent.write(ByteBuffer.wrap("por".getBytes(StandardCharsets.US_ASCII)));
            long start = System.nanoTime();
            assertEquals("", readAll(silent)); // EOF: the server closed it
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(4).toNanos());
        }
        assertEquals(1, server.stats().timedOut());
        assertTrue(ControlClient.send(socket(), "ports", TIMEOUT).ok());
    }

    @Test
    void aClientThatLeavesMidReplyOrNeverReadsCostsNothingLasting() throws IOException {
        server = ControlServer.start(socket(), registry(), FAST);
        try (SocketChannel leaver = connect()) {
            leaver.write(ByteBuffer.wrap("big\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer some = ByteBuffer.allocate(100);
            while (some.hasRemaining()) {
                leaver.read(some);
            }
            assertTrue(new String(some.array(), StandardCharsets.US_ASCII).startsWith("OK 200001\n"));
        }
        try (SocketChannel sleeper = connect()) {
            sleeper.write(ByteBuffer.wrap("big\n".getBytes(StandardCharsets.US_ASCII)));
            // Never reads: the reply fills the socket buffer and the reply deadline closes it.
            eventually(() -> server.stats().timedOut(), 1);
        }
        eventually(() -> server.stats().disconnected(), 1);
        assertEquals(0, server.stats().answered());
        ControlReply big = ControlClient.send(socket(), "big", TIMEOUT);
        assertEquals(200_001, big.lines().size());
        assertEquals("199999  row_of_a_table_too_large_for_one_socket_buffer", big.lines().get(200_000));
    }

    @Test
    void clientsBeyondTheLimitAreToldBusy() throws IOException {
        server = ControlServer.start(socket(), registry(), new ControlLimits(2, Duration.ofSeconds(5), Duration.ofSeconds(5)));
        try (SocketChannel a = connect(); SocketChannel b = connect()) {
            eventually(() -> server.stats().accepted(), 2);
            try (SocketChannel c = connect()) {
                assertEquals("ERROR busy: too many control clients; try again\nEND\n", readAll(c));
            }
            assertEquals(1, server.stats().rejectedBusy());
            a.write(ByteBuffer.wrap("ports\n".getBytes(StandardCharsets.US_ASCII)));
            assertTrue(readAll(a).startsWith("OK 3\n"));
        }
        assertTrue(ControlClient.send(socket(), "help", TIMEOUT).ok());
    }

    @Test
    void noFdOutlivesTheServer() throws IOException, InterruptedException {
        // The JDK creates some lifetime fds on first use of sockets (the pre-close socket pair): make them exist first.
        try (ControlServer warmUp = ControlServer.start(socket(), registry(), FAST)) {
            ControlClient.send(socket(), "ports", TIMEOUT);
        }
        OpenFds.Snapshot before = OpenFds.snapshot();
        server = ControlServer.start(socket(), registry(), FAST);
        for (int i = 0; i < 20; i++) {
            ControlClient.send(socket(), i % 2 == 0 ? "ports" : "nope", TIMEOUT);
            try (SocketChannel quitter = connect()) {
                quitter.write(ByteBuffer.wrap("ports".getBytes(StandardCharsets.US_ASCII)));
            }
        }
        eventually(() -> server.stats().disconnected(), 20);
        server.close();
        server = null;
        assertFalse(Files.exists(socket()), "close removes the socket file");
        before.assertNoneOpenedSince("the control server's sockets", Duration.ofSeconds(5));
    }

    @Test
    void refusesALiveSocketAndNonSocketsButReplacesAStaleOne() throws IOException {
        server = ControlServer.start(socket(), registry(), FAST);
        ControlException live = assertThrows(ControlException.class, () -> ControlServer.start(socket(), registry(), FAST));
        assertTrue(live.getMessage().contains("another switch is already listening on control socket " + socket()), live.getMessage());

        Path file = dir.resolve("plain");
        Files.writeString(file, "data");
        ControlException notSocket = assertThrows(ControlException.class, () -> ControlServer.start(file, registry(), FAST));
        assertTrue(notSocket.getMessage().contains("exists and is not a socket"), notSocket.getMessage());
        assertEquals("data", Files.readString(file));

        Path stale = staleSocket();
        try (ControlServer second = ControlServer.start(stale, registry(), FAST)) {
            assertTrue(ControlClient.send(stale, "ports", TIMEOUT).ok());
        }

        Path longPath = dir.resolve("x".repeat(120));
        ControlException tooLong = assertThrows(ControlException.class, () -> ControlServer.start(longPath, registry(), FAST));
        assertTrue(tooLong.getMessage().contains("Unix sockets allow at most 107"), tooLong.getMessage());
    }

    @Test
    void ctlPrintsTheTableAndExitsZero() {
        server = ControlServer.start(socket(), registry(), FAST);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CtlCommandLine.run(new String[] {"ports", "--socket", socket().toString()}, new PrintStream(out), new PrintStream(err));
        assertEquals(0, status, err.toString());
        assertEquals("port    type               VLAN\nvm1     vhost-user-server  10\nrouter  vhost-user-server  10,20\n",
                out.toString());
        err.reset();
        assertEquals(1, CtlCommandLine.run(new String[] {"--socket", socket().toString(), "fdb"}, System.out, new PrintStream(err)));
        assertTrue(err.toString().startsWith("virtio4j ctl: unknown command 'fdb'; commands:"), err.toString());
    }

    @Test
    void ctlSaysTheSwitchIsNotRunningNamingTheSocket() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path missing = dir.resolve("none.sock");
        assertEquals(3, CtlCommandLine.run(new String[] {"fdb", "--socket", missing.toString()}, System.out, new PrintStream(err)));
        assertTrue(err.toString().contains("the switch is not running: no control socket at " + missing), err.toString());

        err.reset();
        Path stale = staleSocket();
        assertEquals(3, CtlCommandLine.run(new String[] {"fdb", "--socket", stale.toString()}, System.out, new PrintStream(err)));
        assertTrue(err.toString().contains("the switch is not running: nobody listens on " + stale), err.toString());
    }

    @Test
    void ctlCommandLineErrorsExitTwo() {
        for (String[] args : List.of(new String[0], new String[] {"fdb", "ports"}, new String[] {"fdb", "--socket"},
                new String[] {"fdb", "--sock", "x"})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(2, CtlCommandLine.run(args, System.out, new PrintStream(err)), String.join(" ", args));
            assertTrue(err.toString().contains("usage: ./virtio4j ctl COMMAND [--socket PATH]"), err.toString());
        }
        CtlCommandLine parsed = CtlCommandLine.parse(new String[] {"--socket", "/tmp/s", "routes"});
        assertEquals(new CtlCommandLine("routes", Path.of("/tmp/s")), parsed);
        assertEquals(io.virtio4j.ovs.config.SwitchConfig.DEFAULT_CONTROL_SOCKET, CtlCommandLine.parse(new String[] {"fdb"}).socket());
    }

    @Test
    void aCutShortReplyIsAnErrorNotATable() {
        assertThrows(ControlException.class, () -> ControlReply.parse("OK 3\na\nb\n", "s"));
        assertThrows(ControlException.class, () -> ControlReply.parse("OK 1\na\nb\nEND\n", "s"));
        assertThrows(ControlException.class, () -> ControlReply.parse("", "s"));
        assertEquals(List.of("a"), ControlReply.parse("OK 1\na\nEND\n", "s").lines());
    }

    /** A socket file nobody listens on, as a killed switch leaves it. */
    private Path staleSocket() throws IOException {
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        return stale;
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket()));
    }

    /** Reads until EOF (blocking; the server always closes). */
    private static String readAll(SocketChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        try {
            while (channel.read(buffer.clear()) >= 0) {
                out.write(buffer.array(), 0, buffer.position());
            }
        } catch (IOException reset) {
            // A reset after the server closed with unread input: what arrived before it counts.
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static void eventually(LongSupplier value, long expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (value.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(expected, value.getAsLong());
    }
}
