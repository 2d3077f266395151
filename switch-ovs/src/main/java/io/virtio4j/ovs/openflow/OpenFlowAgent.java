package io.virtio4j.ovs.openflow;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.ovs.VirtualSwitch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenFlow 1.3 agent's passive listener ({@code openflow = ptcp:PORT[:IP]}): accepts up to
 * {@link #MAX_CONNECTIONS} peers, each served on a thread of its own with blocking reads (the
 * control plane; the data path never waits for it). Closing it closes the listener and every
 * connection and waits for their threads.
 */
public final class OpenFlowAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenFlowAgent.class);
    private static final RateLimitedLog CONNECTION_LOG = new RateLimitedLog(LOG, 1_000_000_000L);
    /** More connections than a few controllers and tools at once are refused (closed at once, counted). */
    public static final int MAX_CONNECTIONS = 16;

    private final ServerSocketChannel server;
    private final OfSwitchView view;
    private final OfCounters counters = new OfCounters();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private OpenFlowAgent(ServerSocketChannel server, OfSwitchView view) {
        this.server = server;
        this.view = view;
        this.acceptor = Thread.ofPlatform().name("virtio4j-openflow-accept").daemon().unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code address}:{@code port} (0: any free port, for tests) for the switch {@code sw},
     * whose datapath id is {@code datapathId}.
     */
    public static OpenFlowAgent listen(String address, int port, VirtualSwitch sw, long datapathId) throws IOException {
        return listen(new InetSocketAddress(address, port), new VirtualSwitchView(sw, datapathId));
    }

    static OpenFlowAgent listen(InetSocketAddress at, OfSwitchView view) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(at);
        } catch (IOException e) {
            server.close();
            throw new IOException("openflow: cannot listen on " + at + ": " + e.getMessage(), e);
        }
        OpenFlowAgent agent = new OpenFlowAgent(server, view);
        agent.acceptor.start();
        LOG.info("openflow: listening on {}", server.getLocalAddress());
        return agent;
    }

    /** The port it listens on (the one chosen when asked for 0). */
    public int port() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The agent's counters. */
    public OfCounters counters() {
        return counters;
    }

    /** Connections open now. */
    public int openConnections() {
        return connections.size();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel peer;
            try {
                peer = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (CONNECTION_LOG.allow()) {
                    LOG.warn("openflow: accept failed: {}", e.toString());
                }
                continue;
            }
            if (connections.size() >= MAX_CONNECTIONS) {
                counters.refusedConnections.incrementAndGet();
                CONNECTION_LOG.warn("openflow: refused a connection: already {} open", MAX_CONNECTIONS);
                closeQuietly(peer);
                continue;
            }
            counters.connections.incrementAndGet();
            connections.add(peer);
            Thread t = Thread.ofPlatform().name("virtio4j-openflow-conn").daemon().unstarted(() -> serve(peer));
            threads.add(t);
            t.start();
        }
    }

    private void serve(SocketChannel peer) {
        String name = "?";
        try {
            name = String.valueOf(peer.getRemoteAddress());
            OfSession session = new OfSession(view, counters, message -> write(peer, message), name);
            OfFramer framer = new OfFramer(session);
            session.start();
            while (!session.closed()) {
                if (peer.read(framer.readBuffer()) < 0) {
                    break;
                }
                framer.drain();
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("openflow {}: connection ended: {}", name, e.toString());
        } catch (RuntimeException e) {
            // A bug of ours, not the peer's: this connection ends, the agent and the switch go on.
            LOG.error("openflow {}: closing after an unexpected error", name, e);
        } finally {
            connections.remove(peer);
            closeQuietly(peer);
            threads.remove(Thread.currentThread());
        }
    }

    private static void write(SocketChannel peer, ByteBuffer message) {
        try {
            ByteBuffer b = message.duplicate();
            while (b.hasRemaining()) {
                peer.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A write to the peer failed: the connection ends. */
    private static final class UncheckedIOException extends RuntimeException {
        UncheckedIOException(IOException cause) {
            super(cause.toString(), cause, false, false);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("openflow: close: {}", e.toString());
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("openflow: closing the listener: {}", e.toString());
        }
        connections.forEach(OpenFlowAgent::closeQuietly);
        try {
            acceptor.join(2000);
            for (Thread t : threads) {
                t.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
