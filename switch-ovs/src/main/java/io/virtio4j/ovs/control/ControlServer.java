package io.virtio4j.ovs.control;

import io.virtio4j.api.log.RateLimitedLog;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's control socket: answers {@link ControlProtocol} requests from
 * {@code ./virtio4j ctl} with tables from a {@link CommandRegistry}.
 *
 * <p>One thread of its own runs a selector over non-blocking sockets, so no client can stall
 * another or the switch: a request must arrive within {@link ControlLimits#requestTimeout()} and
 * fit {@link ControlProtocol#MAX_REQUEST_BYTES}, the reply must be read within
 * {@link ControlLimits#replyTimeout()}, at most {@link ControlLimits#maxClients()} are served at
 * once; the rest are told "busy". Misbehaving clients are counted in {@link #stats()} and logged at
 * most once a second. The socket file is created owner-only (0600) and removed on close, but only
 * if it is still the file this server bound (same device and inode), never a successor's.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    /** Shared by every server and client: a client reconnecting in a loop gets no lines of its own. */
    private static final RateLimitedLog CLIENT_LOG = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));
    private static final long TICK_MILLIS = 50;
    private static final long ACCEPT_PAUSE_MILLIS = 100;
    /** Distinct temporary socket names for servers bound by one process (tests bind many). */
    private static final AtomicLong TEMPORARY_NAMES = new AtomicLong();
    private static final byte[] BUSY = ControlProtocol.error("busy: too many control clients; try again");

    private final Path path;
    private final CommandRegistry registry;
    private final ControlLimits limits;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Set<ControlConnection> clients = new HashSet<>();
    private final ControlServerStats stats = new ControlServerStats();
    private final Thread thread;
    private volatile boolean running = true;
    private final SelectionKey acceptKey;
    /** The socket file's (device, inode) as bound: close removes the file only if it is still this one. */
    private final Object fileKey;
    private long acceptPausedUntil;

    private ControlServer(Path path, CommandRegistry registry, ControlLimits limits, ServerSocketChannel server,
                          Selector selector, SelectionKey acceptKey, Object fileKey) {
        this.path = path;
        this.fileKey = fileKey;
        this.acceptKey = acceptKey;
        this.registry = registry;
        this.limits = limits;
        this.server = server;
        this.selector = selector;
        this.thread = Thread.ofPlatform().name("virtio4j-control").daemon().unstarted(this::loop);
    }

    /**
     * Listens on {@code path} and serves on a new thread. A socket file left by a switch that is
     * gone is replaced; one a live switch answers on is refused, and so is any other kind of file.
     */
    public static ControlServer start(Path path, CommandRegistry registry, ControlLimits limits) {
        ControlServer control = bind(path, registry, limits);
        control.serve();
        return control;
    }

    /**
     * Claims {@code path} as {@link #start} does but answers nobody until {@link #serve()}: a
     * client that connects meanwhile waits in the listen backlog, so a script that asks as soon as
     * the file exists gets its answer once every command is registered, never "unknown command".
     * The file appears only once the socket listens and is owner-only (see {@link #bindAtomically}).
     */
    public static ControlServer bind(Path path, CommandRegistry registry, ControlLimits limits) {
        ControlSocketPath.checkLength(path);
        ServerSocketChannel server = null;
        Selector selector = null;
        try {
            clearStaleSocket(path);
            Files.createDirectories(path.toAbsolutePath().getParent());
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            bindAtomically(server, path);
            Object fileKey = fileKey(path);
            server.configureBlocking(false);
            selector = Selector.open();
            SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            return new ControlServer(path, registry, limits, server, selector, acceptKey, fileKey);
        } catch (IOException | RuntimeException e) {
            closeQuietly(selector);
            closeQuietly(server);
            if (e instanceof ControlException ce) {
                throw ce;
            }
            throw new ControlException("cannot listen on control socket " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Binds under a temporary name beside {@code path}, makes it owner-only (the commands expose
     * every VM's addresses), then links it to {@code path}: bind(2) creates the file before
     * listen(2), and a client that saw the file in between would be refused. The link fails if
     * another switch took {@code path} meanwhile, instead of replacing its socket.
     */
    private static void bindAtomically(ServerSocketChannel server, Path path) throws IOException {
        Path temporary = path.resolveSibling(".v4j-" + ProcessHandle.current().pid() + "-" + TEMPORARY_NAMES.incrementAndGet());
        if (temporary.toString().getBytes(StandardCharsets.UTF_8).length > ControlSocketPath.MAX_PATH_BYTES) {
            // No room for a longer name: bind in place, with the short bind-to-listen window.
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return;
        }
        Files.deleteIfExists(temporary);
        server.bind(UnixDomainSocketAddress.of(temporary));
        try {
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.createLink(path, temporary);
        } catch (FileAlreadyExistsException e) {
            throw new ControlException("another switch took control socket " + path + " while this one started; stop it"
                    + " or configure a different control path");
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Starts answering, once every command is registered; a second call does nothing. */
    public void serve() {
        synchronized (thread) {
            if (thread.getState() == Thread.State.NEW && running) {
                thread.start();
                LOG.info("control socket listening on {}", path);
            }
        }
    }

    private static void clearStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!ControlSocketPath.isSocket(path)) {
            throw new ControlException("control socket path " + path + " exists and is not a socket; remove it or choose another path");
        }
        if (!Files.isWritable(path)) {
            // Connecting would fail for lack of permission, which says nothing about whether someone listens.
            throw new ControlException("control socket " + path + " exists and belongs to another user; stop that switch"
                    + " or choose another path");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new ControlException("another switch is already listening on control socket " + path
                    + "; stop it or configure a different control path");
        } catch (IOException refused) {
            LOG.info("removing stale control socket {} (nobody listens on it)", path);
            Files.delete(path);
        }
    }

    /** The socket the server listens on. */
    public Path path() {
        return path;
    }

    /** The server's counters (accepted, answered, refused, timed out, ...). */
    public ControlServerStats stats() {
        return stats;
    }

    private void loop() {
        try {
            while (running) {
                selector.select(TICK_MILLIS);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else {
                        serve(key, (ControlConnection) key.attachment());
                    }
                }
                expire(System.nanoTime());
            }
        } catch (IOException | RuntimeException e) {
            if (running) {
                LOG.error("control server on {} stopped: {}", path, e.toString(), e);
            }
        } finally {
            clients.forEach(ControlConnection::close);
            clients.clear();
        }
    }

    private void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                // Out of fds (EMFILE) under a connection flood: stop accepting for a tick instead of
                // spinning on a listening socket that stays ready; the backlog waits meanwhile.
                CLIENT_LOG.warn("control: accept failed ({}); pausing accepts briefly", e.getMessage());
                acceptKey.interestOps(0);
                acceptPausedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_PAUSE_MILLIS);
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                admit(channel);
            } catch (IOException e) {
                closeQuietly(channel);
                CLIENT_LOG.warn("control: could not set up a client: {}", e.getMessage());
            }
        }
    }

    private void admit(SocketChannel channel) throws IOException {
        stats.accepted.incrementAndGet();
        channel.configureBlocking(false);
        if (clients.size() >= limits.maxClients()) {
            stats.rejectedBusy.incrementAndGet();
            // One non-blocking write into an empty socket buffer: it fits, or the client loses the courtesy.
            try (channel) {
                channel.write(ByteBuffer.wrap(BUSY));
            } catch (IOException gone) {
                // It left already; nothing to tell it.
            }
            CLIENT_LOG.warn("control: refused a client, {} are being served (limit {})", clients.size(), limits.maxClients());
            return;
        }
        ControlConnection client = new ControlConnection(channel, System.nanoTime() + limits.requestTimeout().toNanos());
        channel.register(selector, SelectionKey.OP_READ, client);
        clients.add(client);
    }

    private void serve(SelectionKey key, ControlConnection client) {
        try {
            if (client.replying()) {
                if (key.isWritable() && client.write()) {
                    stats.answered.incrementAndGet();
                    drop(client);
                }
                return;
            }
            if (!key.isReadable()) {
                return;
            }
            switch (client.read()) {
                case NEED_MORE -> {
                    // Wait for the rest of the line (or the deadline).
                }
                case CLOSED -> {
                    stats.disconnected.incrementAndGet();
                    drop(client);
                }
                case TOO_LONG -> {
                    stats.oversizedRequests.incrementAndGet();
                    CLIENT_LOG.warn("control: a request line exceeded {} bytes; closing that client", ControlProtocol.MAX_REQUEST_BYTES);
                    respond(key, client, ControlProtocol.error("request longer than " + ControlProtocol.MAX_REQUEST_BYTES
                            + " bytes; send one command name and a newline"), true);
                }
                case LINE -> respond(key, client, answer(client.line()), false);
            }
        } catch (IOException e) {
            // The client vanished mid-request or mid-reply; the next one is unaffected.
            stats.disconnected.incrementAndGet();
            CLIENT_LOG.warn("control: a client went away: {}", e.getMessage());
            drop(client);
        }
    }

    private byte[] answer(String line) {
        String[] words = line.split(" ", -1);
        ControlCommand command = registry.find(words[0]);
        if (command == null) {
            stats.errorReplies.incrementAndGet();
            String shown = line.length() > 40 ? line.substring(0, 40) + "..." : line;
            return ControlProtocol.error(line.isEmpty() ? "empty request; commands: " + registry.names()
                    : "unknown command '" + shown + "'; commands: " + registry.names());
        }
        boolean json = false;
        ControlCommand.Handler handler = command.handler();
        String option = null;
        ControlCommand.ArgumentHandler argumentHandler = registry.findArguments(command.name());
        List<String> arguments = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            String word = words[i];
            ControlCommand.Handler optionHandler = registry.findOption(command.name(), word);
            if (word.equals(CtlCommands.JSON) && !json) {
                json = true;
            } else if (optionHandler != null && option == null) {
                option = word;
                handler = optionHandler;
            } else if (argumentHandler != null && !word.isEmpty() && !word.startsWith("-") && option == null) {
                arguments.add(word);
            } else {
                stats.errorReplies.incrementAndGet();
                String shown = word.length() > 40 ? word.substring(0, 40) + "..." : word;
                return ControlProtocol.error("'" + command.name() + "' does not take '" + shown + "' here; its options: "
                        + CtlCommands.JSON + " and " + registry.optionsOf(command.name()) + ", each at most once");
            }
        }
        if (!arguments.isEmpty()) {
            handler = () -> argumentHandler.run(List.copyOf(arguments));
        }
        try {
            Table table = handler.run();
            return json ? ControlProtocol.okJson(table) : ControlProtocol.ok(table);
        } catch (ControlException e) {
            // The client asked for something the command refuses (a wrong level): the reason is the answer.
            stats.errorReplies.incrementAndGet();
            return ControlProtocol.error(e.getMessage());
        } catch (RuntimeException e) {
            stats.errorReplies.incrementAndGet();
            // A client can ask for a failing command in a loop: rate-limit the log, keep the count.
            CLIENT_LOG.warn("control command {} failed: {}", command.name(), e.toString());
            return ControlProtocol.error("command " + command.name() + " failed: " + e);
        }
    }

    private void respond(SelectionKey key, ControlConnection client, byte[] reply, boolean error) throws IOException {
        if (error) {
            stats.errorReplies.incrementAndGet();
        }
        client.reply(reply, System.nanoTime() + limits.replyTimeout().toNanos());
        // Try at once: most replies fit the socket buffer and need no second wake-up.
        if (client.write()) {
            stats.answered.incrementAndGet();
            drop(client);
        } else {
            key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private void expire(long now) {
        if (acceptPausedUntil != 0 && now - acceptPausedUntil > 0) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        Iterator<ControlConnection> it = clients.iterator();
        while (it.hasNext()) {
            ControlConnection client = it.next();
            if (now - client.deadlineNanos > 0) {
                stats.timedOut.incrementAndGet();
                CLIENT_LOG.warn("control: closed a client that {} in time", client.replying() ? "did not read its reply" : "sent no request");
                it.remove();
                client.close();
            }
        }
    }

    private void drop(ControlConnection client) {
        clients.remove(client);
        client.close();
    }

    /** Stops serving, closes every client and the socket, and removes the socket file. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(selector);
        closeQuietly(server);
        try {
            Object now = fileKey(path);
            if (now != null && now.equals(fileKey)) {
                Files.deleteIfExists(path);
            } else if (now != null) {
                // Someone removed ours and bound their own: theirs is not ours to delete.
                LOG.warn("control socket {} is no longer the one this switch created; leaving it", path);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove control socket {}: {}", path, e.getMessage());
        }
    }

    /** The file's (device, inode), or null when there is no file. */
    private static Object fileKey(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // Shutting down: nothing useful to do with a failed close.
        }
    }
}
