package io.virtio4j.ovs.vxlan;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.l2.FdbEntry;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.port.EdgeTriggeredPort;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.PortException;
import io.virtio4j.ovs.port.RefusalCounters;

import org.agrona.concurrent.status.CountersManager;
import io.virtio4j.ovs.port.TxBatch;

/**
 * A VXLAN tunnel port (RFC 7348): the switch's frames of the mapped VLANs leave as VXLAN datagrams
 * to remote VTEPs, and datagrams from those VTEPs arrive as frames of the VNI's VLAN, all through
 * plain UDP sockets on the underlay ({@link UnderlaySockets}) in batches of one recvmmsg per burst
 * and one sendmmsg per source socket and burst. The port is a trunk of its mapped VLANs: the
 * switch hands it tagged frames and gets tagged frames from it.
 *
 * <p>The port's own remote-MAC table (an {@link Fdb} whose "port" is a VTEP slot) remembers which
 * VTEP each remote MAC sits behind, learned from decapsulated frames; the switch's FDB learns the
 * same MAC on this port. Frames for a MAC it knows go to that VTEP, all others to every VTEP
 * (head-end replication). The VTEP set can change at run time ({@link #setVteps}).
 */
public final class VxlanPort extends EdgeTriggeredPort {
    private final PortSpec spec;
    private final UnderlaySockets sockets;
    private final Arena arena;
    private final VxlanDrops drops;
    private final Fdb remoteMacs;
    private final VxlanReceiver receiver;
    private final VxlanTransmitter transmitter;
    private volatile VtepSet vteps;
    /** The settings the VTEPs were last set from (remotes and their VNIs change at run time). */
    private VxlanSpec tunnel;

    private VxlanPort(PortSpec spec, Platform platform) {
        super(spec.name(), "VXLAN socket fd");
        VxlanSpec v = spec.vxlan();
        this.spec = spec;
        this.sockets = new UnderlaySockets(platform, v.localAddress(), v.udpPort());
        this.arena = Arena.ofShared();
        this.drops = new VxlanDrops(spec.name());
        this.remoteMacs = new Fdb(FdbSpec.DEFAULT, System.nanoTime());
        VniMap vnis = new VniMap(v.vniByVlan());
        this.receiver = new VxlanReceiver(platform, sockets.receiveFd(), vnis, drops, arena);
        this.transmitter = new VxlanTransmitter(platform, sockets, vnis, drops, v.udpPort(), v.maxInnerFrame(), arena);
        this.tunnel = v;
        this.vteps = VtepSet.of(v, null);
    }

    /** Opens the port {@code spec} describes: binds its underlay sockets (a taken address fails here). */
    public static VxlanPort open(PortSpec spec, Platform platform) {
        if (spec.type() != PortType.VXLAN) {
            throw new IllegalArgumentException("port " + spec.name() + " is a " + spec.type().configName() + " port");
        }
        try {
            return new VxlanPort(spec, platform);
        } catch (NativeException e) {
            throw new PortException("port " + spec.name() + ": VXLAN underlay socket " + spec.target() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    @Override
    public long deviceDrops() {
        long sum = 0;
        for (VxlanDrop d : VxlanDrop.values()) {
            sum += drops.count(d);
        }
        return sum;
    }

    @Override
    public int receive(FrameBatch batch) {
        if (isClosed()) {
            return 0;
        }
        return receiver.receive(batch, vteps, remoteMacs, System.nanoTime());
    }

    @Override
    public synchronized void transmit(TxBatch batch) {
        if (isClosed()) {
            return;
        }
        transmitter.transmit(batch, vteps, remoteMacs, System.nanoTime());
    }

    /** The port's settings with its VTEPs now (its remotes and their VNIs change at run time; {@link #spec()} is as opened). */
    public synchronized VxlanSpec vxlan() {
        return tunnel;
    }

    /** The VTEPs now, in configuration order. */
    public VtepSet vteps() {
        return vteps;
    }

    /**
     * Replaces the VTEPs with {@code addresses}, each carrying every VNI (or the VNIs it was limited
     * to before, if it stays).
     */
    public synchronized void setVteps(List<Integer> addresses) {
        Map<Integer, Set<Integer>> limits = new HashMap<>(tunnel.remoteVnis());
        limits.keySet().retainAll(addresses);
        setVteps(tunnel.withRemotes(addresses, limits));
    }

    /**
     * Replaces the VTEPs with {@code next}'s remotes and their VNIs (its other settings are the
     * port's): the ones that stay keep their counters and learned MACs; the MACs learned behind a
     * removed one, or one whose VNIs changed, are forgotten (floods reach them again from wherever
     * they are).
     */
    public synchronized void setVteps(VxlanSpec next) {
        if (next.remotes().equals(tunnel.remotes()) && next.remoteVnis().equals(tunnel.remoteVnis())) {
            return;
        }
        VtepSet previous = vteps;
        VxlanSpec before = tunnel;
        tunnel = next;
        vteps = VtepSet.of(next, previous);
        for (int i = 0; i < previous.size(); i++) {
            Vtep old = previous.get(i);
            if (vteps.find(old.address()) == null || !next.vnisOf(old.address()).equals(before.vnisOf(old.address()))) {
                remoteMacs.flushPort(old.slot());
            }
        }
    }

    /** The remote MACs this port learned, each with the slot of its VTEP ({@link VtepSet#bySlot}) as its port. */
    public List<FdbEntry> remoteMacs() {
        return remoteMacs.snapshot(System.nanoTime());
    }

    /** Drops by reason. */
    public VxlanDrops drops() {
        return drops;
    }

    /**
     * The port's counters in {@code manager}: drops by reason ({@code port:NAME:vxlan_<reason>},
     * which {@code ctl refusals} lists too) and per-VTEP traffic ({@link VtepCounters}), copied
     * once a second with the vhost-user ports' chain errors.
     */
    public RefusalCounters counters(CountersManager manager) {
        List<RefusalCounters.Source> sources = new java.util.ArrayList<>();
        for (VxlanDrop d : VxlanDrop.values()) {
            sources.add(new RefusalCounters.Source("vxlan_" + d.label(), () -> drops.count(d)));
        }
        return new RefusalCounters(manager, spec.name(), sources, new VtepCounters(manager, spec.name(), this));
    }

    /** The UDP port datagrams arrive on (the configured one). */
    public int udpPort() {
        return sockets.receivePort();
    }

    @Override
    protected int wakeupFd() {
        return sockets.receiveFd();
    }

    @Override
    protected void closeResources() {
        try {
            sockets.close();
        } finally {
            arena.close();
        }
    }
}
