package io.virtio4j.ovs.port;

import io.virtio4j.api.counters.CounterSet;
import io.virtio4j.api.counters.CounterTypes;
import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.CountersManager;

/**
 * One port's counters as Agrona counters (so another process can read them from a counters file):
 * the {@link PortCounter}s, labelled {@code port:<name>:rx_frames}, {@code :rx_bytes},
 * {@code :tx_frames}, {@code :tx_bytes}, and {@code :drop_<reason>} (the counters file's
 * {@code group:name} convention) with type id {@link #TYPE_ID}. Several PMD threads may transmit to one port, so updates are atomic adds,
 * made once per burst by the executor rather than per frame.
 */
public final class PortCounters implements AutoCloseable {
    /** The Agrona type id of every port counter. */
    public static final int TYPE_ID = CounterTypes.SWITCH_PORT;

    private final CounterSet<PortCounter> traffic;
    private final DropCounters drops;

    /**
     * Allocates the counters of port {@code name} in {@code manager}.
     *
     * @throws PortException if the manager is full (nothing is left allocated)
     */
    public PortCounters(CountersManager manager, String name) {
        String prefix = "port:" + name + ":";
        try {
            traffic = CounterSet.allocate(manager, prefix, PortCounter.class);
        } catch (IllegalStateException e) {
            throw new PortException("port " + name + ": " + e.getMessage(), e);
        }
        try {
            drops = new DropCounters(manager, prefix + "drop_", TYPE_ID);
        } catch (IllegalStateException e) {
            traffic.close();
            throw new PortException("port " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Counts a burst received from this port: {@code frames} frames of {@code bytes} bytes in
     * total (frame bytes, no virtio-net header). Atomic adds, once per burst.
     */
    public void addRx(long frames, long bytes) {
        traffic.add(PortCounter.RX_FRAMES, frames);
        traffic.add(PortCounter.RX_BYTES, bytes);
    }

    /**
     * Counts what one burst sent to this port: {@code frames} frames of {@code bytes} bytes in
     * total, as written on the wire. Atomic adds: several PMD threads may send to one port.
     */
    public void addTx(long frames, long bytes) {
        traffic.add(PortCounter.TX_FRAMES, frames);
        traffic.add(PortCounter.TX_BYTES, bytes);
    }

    /** Counts one frame dropped at this port for {@code reason}. */
    public void drop(DropReason reason) {
        drops.drop(reason);
    }

    /** Counts {@code frames} frames dropped at this port for {@code reason} (a burst's worth at once). */
    public void drop(DropReason reason, long frames) {
        drops.drop(reason, frames);
    }

    /** Frames dropped at this port for {@code reason} so far (0 for NONE). */
    public long drops(DropReason reason) {
        return drops.get(reason);
    }

    /**
     * Reads every counter of the port into a {@link PortStats}, for {@code show} commands and tests.
     * The counters are read one by one while PMD threads may add, so the figures need not be from
     * the same instant.
     */
    public PortStats snapshot() {
        return new PortStats(traffic.get(PortCounter.RX_FRAMES), traffic.get(PortCounter.RX_BYTES),
                traffic.get(PortCounter.TX_FRAMES), traffic.get(PortCounter.TX_BYTES), drops.snapshot());
    }

    /** Frees the counters in the manager. */
    @Override
    public void close() {
        traffic.close();
        drops.close();
    }
}
