package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.InPlaceFrameHandler;
import io.virtio4j.vhostuser.VhostUserClient;
import io.virtio4j.vhostuser.VhostUserCounters;
import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.VhostUserNetPort;
import io.virtio4j.vhostuser.VhostUserServer;

/**
 * A vhost-user port in the back-end role: the switch listens on the socket (server mode) or
 * connects to a listening front-end and reconnects forever (client mode). Frames are read in place
 * from the front-end's TX rings (all queue pairs) and written into its RX ring of pair 0.
 */
public final class VhostUserPort implements SwitchPort {
    private final PortSpec spec;
    private final VhostUserNetPort net;
    private final AutoCloseable session;
    private final VhostUserCounters sessionCounters;
    private final GuestFrame frame = new GuestFrame();
    private final InPlaceFrameHandler handler;
    private FrameReceiver receiver;
    /** The TX pair the next {@link #receive} polls first (owned by the port's PMD thread). */
    private int nextFirstPair;
    /** Per pair: the ring generation whose kick fd is registered, or -1. */
    private final long[] registered;
    private boolean closed;

    private VhostUserPort(PortSpec spec, VhostUserNetPort net, AutoCloseable session, VhostUserCounters sessionCounters) {
        this.spec = spec;
        this.net = net;
        this.session = session;
        this.sessionCounters = sessionCounters;
        this.registered = new long[net.queuePairs()];
        java.util.Arrays.fill(registered, -1);
        // Built once: the receive path hands every frame through this one handler.
        this.handler = (memory, chain, offset, length) -> receiver.frame(frame.set(memory, chain, offset, length));
    }

    /** Opens the port of {@code spec} (type vhost-user-server or vhost-user-client). */
    public static VhostUserPort open(PortSpec spec) {
        if (spec.queuePairs() > MAX_WAKE_FDS) {
            throw new PortException("port " + spec.name() + ": " + spec.queuePairs() + " queue pairs; a vhost-user port serves at most "
                    + MAX_WAKE_FDS);
        }
        VhostUserNetPort net = new VhostUserNetPort(spec.queuePairs(), MAX_FRAME);
        BackendConfig config = BackendConfig.net(spec.queuePairs());
        Path path = Path.of(spec.target());
        try {
            if (spec.type() == PortType.VHOST_USER_SERVER) {
                VhostUserServer server = VhostUserServer.listen(path, config, () -> net);
                return new VhostUserPort(spec, net, server, server.counters());
            }
            if (spec.type() == PortType.VHOST_USER_CLIENT) {
                VhostUserClient client = VhostUserClient.connect(path, spec.reconnect(), config, () -> net);
                return new VhostUserPort(spec, net, client, client.counters());
            }
        } catch (VhostUserException e) {
            throw new PortException("port " + spec.name() + ": cannot serve vhost-user socket " + path + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("port " + spec.name() + " is of type " + spec.type() + ", not vhost-user");
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    @Override
    public boolean connected() {
        return net.ready(0);
    }

    @Override
    public long deviceDrops() {
        return net.dropped();
    }

    /** The protocol side's counters (messages, rejected, disconnects, sessions). */
    public VhostUserCounters sessionCounters() {
        return sessionCounters;
    }

    @Override
    public int receive(FrameReceiver target, int max) {
        receiver = target;
        int pairs = registered.length;
        // Each call starts one pair further on: a pair that fills every burst must not starve the others.
        int first = nextFirstPair;
        nextFirstPair = first + 1 == pairs ? 0 : first + 1;
        int total = 0;
        for (int i = 0; i < pairs && total < max; i++) {
            int pair = first + i < pairs ? first + i : first + i - pairs;
            total += net.receiveInPlace(pair, handler, max - total);
        }
        return total;
    }

    @Override
    public boolean transmit(Frame source, MemorySegment head, int headLength, long resume) {
        return source.deliverTo(net, 0, head, headLength, resume);
    }

    @Override
    public void flush() {
        net.flush(0);
    }

    @Override
    public void syncWakeups(EpollPoller poller, int tokenBase) {
        for (int pair = 0; pair < registered.length; pair++) {
            long generation = net.kickGeneration(pair);
            if (generation == registered[pair]) {
                continue;
            }
            if (registered[pair] >= 0) {
                // The old kick fd may be closed already: EpollPoller tolerates that.
                poller.unregister(tokenBase + pair);
                registered[pair] = -1;
            }
            if (net.registerKick(pair, poller, tokenBase + pair)) {
                registered[pair] = generation;
            }
        }
    }

    @Override
    public boolean enableWakeups() {
        boolean pending = false;
        for (int pair = 0; pair < registered.length; pair++) {
            pending |= net.enableKicks(pair);
        }
        return pending;
    }

    @Override
    public void disableWakeups() {
        for (int pair = 0; pair < registered.length; pair++) {
            net.disableKicks(pair);
        }
    }

    @Override
    public void onWakeupsChanged(Runnable hook) {
        net.onRingStarted(hook);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (Exception e) {
            throw new PortException("port " + spec.name() + ": closing its vhost-user session failed: " + e.getMessage(), e);
        }
    }
}
