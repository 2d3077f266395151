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
    /** A peer that has not agreed on a version this long after connecting is closed: it holds a slot for nothing. */
    static final long HELLO_TIMEOUT_NANOS = 10_000_000_000L;
    /** A peer silent this long is sent ECHO_REQUEST (OVS's inactivity probe is 5 s)... */
    static final long PROBE_AFTER_NANOS = 5_000_000_000L;
    /** ...and closed if it is still silent this long after its last message. */
    static final long CLOSE_AFTER_NANOS = 15_000_000_000L;

    /** The passive listener, or null: only active connections to controllers. */
    private final ServerSocketChannel server;
    private volatile boolean open = true;
    /**
     * fail-mode = standalone (false): when the last controller connection ends, the flows go back
     * to the default NORMAL flow, so the switch forwards as without OpenFlow; secure (true): the
     * flows stay as they are.
     */
    private volatile boolean failSecure;
    /** Controller connections (made by {@link #connect}) that agreed on a version and are open. */
    private final java.util.concurrent.atomic.AtomicInteger controllersUp = new java.util.concurrent.atomic.AtomicInteger();
    private final OfSwitchView view;
    private final OfCounters counters = new OfCounters();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Thread watchdog;
    private final Thread dispatcher;
    /** Active connections (controller = tcp:IP:PORT): the first retry's wait, doubled up to the last. */
    static final long FIRST_RETRY_MILLIS = 1000;
    static final long LAST_RETRY_MILLIS = 8000;
    /** How long a connection attempt to a controller may take. */
    private static final int CONNECT_TIMEOUT_MILLIS = 3000;
    /** The threads keeping active connections (interrupted on close: they sleep between attempts). */
    private final Set<Thread> dialers = ConcurrentHashMap.newKeySet();
    /** How often the dispatcher compares the ports with the last look (PORT_STATUS's latency bound). */
    static final long PORT_POLL_NANOS = 100_000_000L;
    /** The roles of this switch's connections (one master at most among them all). */
    private final OfRoles roles = new OfRoles();
    /** Used by the dispatcher thread only. */
    private final OfPortWatch portWatch = new OfPortWatch();

    /** One peer: its channel, its session, and when it was last heard from. */
    private static final class Connection {
        final SocketChannel channel;
        final long openedNanos = System.nanoTime();
        volatile long lastHeardNanos = openedNanos;
        volatile OfSession session;
        /** Made by {@link #connect} and counted in controllersUp once it agreed on a version. */
        volatile boolean controller;
        final boolean active;
        long probedNanos = openedNanos - 1;

        Connection(SocketChannel channel, boolean active) {
            this.channel = channel;
            this.active = active;
        }
    }

    private final long helloTimeoutNanos;
    private final long probeAfterNanos;
    private final long closeAfterNanos;

    private OpenFlowAgent(ServerSocketChannel server, OfSwitchView view, long[] timeouts) {
        this.server = server;
        this.view = view;
        this.helloTimeoutNanos = timeouts[0];
        this.probeAfterNanos = timeouts[1];
        this.closeAfterNanos = timeouts[2];
        this.acceptor = Thread.ofPlatform().name("virtio4j-openflow-accept").daemon().unstarted(this::acceptLoop);
        this.watchdog = Thread.ofPlatform().name("virtio4j-openflow-watchdog").daemon().unstarted(this::watchLoop);
        this.dispatcher = Thread.ofPlatform().name("virtio4j-openflow-async").daemon().unstarted(this::asyncLoop);
        portWatch.changes(view.ports()); // the ports at start: a peer reads them with PORT_DESC
    }

    /**
     * Sends the frames the data path queued for the controllers (output:CONTROLLER) as PACKET_IN to
     * every connection that agreed on a version; polls the queue every millisecond when it is
     * empty. With no connection the frames are still taken (and not sent), so the queue does not
     * stay full of stale frames. Every {@link #PORT_POLL_NANOS} it also tells the connections of
     * ports that came, went or changed (PORT_STATUS). Each connection filters by its role and
     * SET_ASYNC masks.
     */
    private void asyncLoop() {
        long nextPortLook = System.nanoTime() + PORT_POLL_NANOS;
        while (!Thread.currentThread().isInterrupted()) {
            if (System.nanoTime() - nextPortLook >= 0) {
                nextPortLook = System.nanoTime() + PORT_POLL_NANOS;
                portStatus();
            }
            int n;
            try {
                n = view.drainPacketIns(message -> {
                    if (view.flows().anyListener()) {
                        counters.packetIns.incrementAndGet();
                        view.flows().broadcast(message);
                    }
                });
            } catch (RuntimeException e) {
                CONNECTION_LOG.warn("openflow: sending PACKET_INs failed: {}", e.toString());
                n = 0;
            }
            if (n == 0) {
                // Woken by the data path's next PACKET_IN, or for the next look at the ports.
                view.awaitPacketIns(Math.max(0, nextPortLook - System.nanoTime()));
            }
        }
    }

    private void portStatus() {
        try {
            for (ByteBuffer m : portWatch.changes(view.ports())) {
                counters.portStatus.incrementAndGet();
                view.flows().broadcast(m);
            }
        } catch (RuntimeException e) {
            CONNECTION_LOG.warn("openflow: sending PORT_STATUS failed: {}", e.toString());
        }
    }

    /**
     * Listens on {@code address}:{@code port} (0: any free port, for tests) for the switch {@code sw},
     * whose datapath id is {@code datapathId}.
     */
    public static OpenFlowAgent listen(String address, int port, VirtualSwitch sw, long datapathId) throws IOException {
        return listen(new InetSocketAddress(address, port), new VirtualSwitchView(sw, datapathId));
    }

    static OpenFlowAgent listen(InetSocketAddress at, OfSwitchView view) throws IOException {
        return listen(at, view, new long[] {HELLO_TIMEOUT_NANOS, PROBE_AFTER_NANOS, CLOSE_AFTER_NANOS});
    }

    /** With the HELLO timeout, the probe delay and the silence limit given (tests shorten them). */
    static OpenFlowAgent listen(InetSocketAddress at, OfSwitchView view, long[] timeouts) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(at);
        } catch (IOException e) {
            server.close();
            throw new IOException("openflow: cannot listen on " + at + ": " + e.getMessage(), e);
        }
        OpenFlowAgent agent = new OpenFlowAgent(server, view, timeouts);
        agent.acceptor.start();
        agent.watchdog.start();
        agent.dispatcher.start();
        LOG.info("openflow: listening on {}", server.getLocalAddress());
        return agent;
    }

    /**
     * An agent without a listener for the switch {@code sw} (datapath id {@code datapathId}): it
     * serves only the controllers it is told to {@link #connect} to.
     */
    public static OpenFlowAgent withoutListener(VirtualSwitch sw, long datapathId) {
        return withoutListener(new VirtualSwitchView(sw, datapathId));
    }

    static OpenFlowAgent withoutListener(OfSwitchView view) {
        OpenFlowAgent agent = new OpenFlowAgent(null, view, new long[] {HELLO_TIMEOUT_NANOS, PROBE_AFTER_NANOS, CLOSE_AFTER_NANOS});
        agent.watchdog.start();
        agent.dispatcher.start();
        return agent;
    }

    /** fail-mode: {@code secure} true keeps the flows when the controllers go; false (standalone) restores NORMAL. */
    public void failSecure(boolean secure) {
        failSecure = secure;
    }

    /** The port it listens on (the one chosen when asked for 0). */
    public int port() {
        if (server == null) {
            return -1;
        }
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Frames for the controllers the data path dropped because the PACKET_IN queue was full. */
    public long packetInDropped() {
        return view.packetInDropped();
    }

    /** The agent's counters. */
    public OfCounters counters() {
        return counters;
    }

    /** Connections open now. */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Keeps a connection to the controller at {@code controller}, served by the same session code
     * as the listener's connections: when it cannot connect or the connection ends, it tries again
     * after 1 s, then 2, 4 and 8 s (8 s from then on), back to 1 s once a connection agreed on a
     * version. Until {@link #close}.
     */
    public void connect(InetSocketAddress controller) {
        connect(controller, FIRST_RETRY_MILLIS, LAST_RETRY_MILLIS);
    }

    /** As above with the back-off's first and last waits given (tests shorten them). */
    void connect(InetSocketAddress controller, long firstMillis, long lastMillis) {
        Thread t = Thread.ofPlatform().name("virtio4j-openflow-controller").daemon()
                .unstarted(() -> dial(controller, firstMillis, lastMillis));
        dialers.add(t);
        t.start();
    }

    private void dial(InetSocketAddress controller, long firstMillis, long lastMillis) {
        long wait = firstMillis;
        while (open) {
            SocketChannel peer = null;
            try {
                peer = SocketChannel.open();
                peer.socket().connect(controller, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                CONNECTION_LOG.warn("openflow: cannot connect to the controller at {}: {}", controller, e.toString());
                if (peer != null) {
                    closeQuietly(peer);
                }
                peer = null;
            }
            if (peer != null) {
                counters.connections.incrementAndGet();
                Connection c = new Connection(peer, true);
                connections.add(c);
                threads.add(Thread.currentThread());
                serve(c);
                if (c.controller) {
                    wait = firstMillis; // it worked: the next loss retries soon
                    controllerLost();
                }
                LOG.info("openflow: the connection to the controller at {} ended; retrying in {} ms", controller, wait);
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            wait = Math.min(lastMillis, wait * 2);
        }
    }

    /** A controller connection agreed on a version (its session tells the agent through {@link #serve}). */
    private void controllerUp(Connection c) {
        controllersUp.incrementAndGet();
        c.controller = true;
    }

    /**
     * A controller connection that had agreed on a version ended: with standalone, the last one
     * gone puts the default NORMAL flow back in place of the controllers' flows.
     */
    private void controllerLost() {
        if (controllersUp.decrementAndGet() == 0 && !failSecure && open) {
            LOG.warn("openflow: no controller connected: fail-mode standalone, back to the NORMAL flow");
            view.flows().restoreDefault();
        }
    }

    /** Controller connections that agreed on a version and are open. */
    public int controllersConnected() {
        return controllersUp.get();
    }

    private void acceptLoop() {
        while (open && server.isOpen()) {
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
            Connection c = new Connection(peer, false);
            connections.add(c);
            Thread t = Thread.ofPlatform().name("virtio4j-openflow-conn").daemon().unstarted(() -> serve(c));
            threads.add(t);
            t.start();
        }
    }

    /**
     * Once a second: closes peers that never agreed on a version or went silent, and probes the
     * quiet ones with ECHO_REQUEST (their ECHO_REPLY counts as hearing from them).
     */
    private void watchLoop() {
        while (open) {
            try {
                Thread.sleep(Math.max(1, Math.min(1000, probeAfterNanos / 2_000_000)));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : connections) {
                OfSession s = c.session;
                boolean negotiated = s != null && s.negotiated();
                if (!negotiated && now - c.openedNanos > helloTimeoutNanos) {
                    counters.timedOut.incrementAndGet();
                    CONNECTION_LOG.warn("openflow: closing a peer that sent no usable HELLO in {} ms", helloTimeoutNanos / 1_000_000L);
                    closeQuietly(c.channel);
                } else if (negotiated && now - c.lastHeardNanos > closeAfterNanos) {
                    counters.timedOut.incrementAndGet();
                    CONNECTION_LOG.warn("openflow: closing a peer silent for {} ms", closeAfterNanos / 1_000_000L);
                    closeQuietly(c.channel);
                } else if (negotiated && now - c.lastHeardNanos > probeAfterNanos && c.probedNanos - c.lastHeardNanos < 0) {
                    c.probedNanos = now;
                    try {
                        s.probe();
                    } catch (UncheckedIOException e) {
                        closeQuietly(c.channel);
                    }
                }
            }
        }
    }

    private void serve(Connection c) {
        SocketChannel peer = c.channel;
        String name = "?";
        try {
            name = String.valueOf(peer.getRemoteAddress());
            OfSession session = new OfSession(view, roles, counters, message -> write(peer, message), name);
            c.session = session;
            OfFramer framer = new OfFramer(session);
            session.start();
            while (!session.closed()) {
                if (peer.read(framer.readBuffer()) < 0) {
                    break;
                }
                c.lastHeardNanos = System.nanoTime();
                framer.drain();
                if (c.active && !c.controller && session.negotiated()) {
                    controllerUp(c);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("openflow {}: connection ended: {}", name, e.toString());
        } catch (RuntimeException e) {
            // A bug of ours, not the peer's: this connection ends, the agent and the switch go on.
            LOG.error("openflow {}: closing after an unexpected error", name, e);
        } finally {
            if (c.session != null) {
                c.session.end();
            }
            connections.remove(c);
            closeQuietly(peer);
            threads.remove(Thread.currentThread());
        }
    }

    /** Replies (the connection's thread) and probes (the watchdog) may meet: one message at a time. */
    private static void write(SocketChannel peer, ByteBuffer message) {
        synchronized (peer) {
            writeWhole(peer, message);
        }
    }

    private static void writeWhole(SocketChannel peer, ByteBuffer message) {
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
        open = false;
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            LOG.debug("openflow: closing the listener: {}", e.toString());
        }
        connections.forEach(c -> closeQuietly(c.channel));
        watchdog.interrupt();
        dispatcher.interrupt();
        dialers.forEach(Thread::interrupt);
        view.flows().close();
        try {
            acceptor.join(2000);
            watchdog.join(2000);
            dispatcher.join(2000);
            for (Thread t : dialers) {
                t.join(2000);
            }
            for (Thread t : threads) {
                t.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
