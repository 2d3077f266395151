package io.virtio4j.ovs.port;

import java.util.List;

import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One port's counters as Agrona counters (so another process can read them from a counters file):
 * labelled {@code port:<name>:rx_frames}, {@code :rx_bytes}, {@code :tx_frames}, {@code :tx_bytes}
 * and {@code :drop_<reason>} (the counters file's {@code group:name} convention) with type id
 * {@link #TYPE_ID}. Several PMD threads may transmit to one port, so updates are atomic adds,
 * made once per burst by the executor rather than per frame.
 */
public final class PortCounters implements AutoCloseable {
    /** The Agrona type id of every port counter. */
    public static final int TYPE_ID = 0x5601;

    private final CounterGroup traffic;
    private final AtomicCounter rxFrames;
    private final AtomicCounter rxBytes;
    private final AtomicCounter txFrames;
    private final AtomicCounter txBytes;
    private final DropCounters drops;

    /**
     * Allocates the counters of port {@code name} in {@code manager}.
     *
     * @throws PortException if the manager is full (nothing is left allocated)
     */
    public PortCounters(CountersManager manager, String name) {
        String prefix = "port:" + name + ":";
        try {
            traffic = new CounterGroup(manager, prefix, TYPE_ID, List.of("rx_frames", "rx_bytes", "tx_frames", "tx_bytes"));
        } catch (IllegalStateException e) {
            throw new PortException("port " + name + ": " + e.getMessage(), e);
        }
        try {
            drops = new DropCounters(manager, prefix + "drop_", TYPE_ID);
        } catch (IllegalStateException e) {
            traffic.close();
            throw new PortException("port " + name + ": " + e.getMessage(), e);
        }
        rxFrames = traffic.counter(0);
        rxBytes = traffic.counter(1);
        txFrames = traffic.counter(2);
        txBytes = traffic.counter(3);
    }

    public void addRx(long frames, long bytes) {
        rxFrames.getAndAdd(frames);
        rxBytes.getAndAdd(bytes);
    }

    public void addTx(long frames, long bytes) {
        txFrames.getAndAdd(frames);
        txBytes.getAndAdd(bytes);
    }

    /** Counts one frame dropped at this port for {@code reason}. */
    public void drop(DropReason reason) {
        drops.drop(reason);
    }

    /** Counts {@code frames} frames dropped at this port for {@code reason} (a burst's worth at once). */
    public void drop(DropReason reason, long frames) {
        drops.drop(reason, frames);
    }

    public long drops(DropReason reason) {
        return drops.get(reason);
    }

    public PortStats snapshot() {
        return new PortStats(rxFrames.get(), rxBytes.get(), txFrames.get(), txBytes.get(), drops.snapshot());
    }

    /** Frees the counters in the manager. */
    @Override
    public void close() {
        traffic.close();
        drops.close();
    }
}
