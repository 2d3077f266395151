package io.virtio4j.ovs.port;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One port's counters as Agrona counters (so another process can read them from a counters file):
 * labelled {@code port:<name>:rx_frames}, {@code :rx_bytes}, {@code :tx_frames}, {@code :tx_bytes}
 * and {@code :drop_<reason>} (the counters file's {@code group:name} convention) with type id {@link #TYPE_ID}. Several PMD threads may transmit to one
 * port, so updates are atomic adds, made once per burst by the executor rather than per frame.
 */
public final class PortCounters implements AutoCloseable {
    /** The Agrona type id of every port counter. */
    public static final int TYPE_ID = 0x5601;

    private final AtomicCounter rxFrames;
    private final AtomicCounter rxBytes;
    private final AtomicCounter txFrames;
    private final AtomicCounter txBytes;
    private final DropCounters drops;

    /** Allocates the counters of port {@code name} in {@code manager}; frees what it got if the manager is full. */
    public PortCounters(CountersManager manager, String name) {
        String prefix = "port:" + name + ":";
        List<AtomicCounter> made = new ArrayList<>();
        try {
            rxFrames = add(made, manager.newCounter(prefix + "rx_frames", TYPE_ID));
            rxBytes = add(made, manager.newCounter(prefix + "rx_bytes", TYPE_ID));
            txFrames = add(made, manager.newCounter(prefix + "tx_frames", TYPE_ID));
            txBytes = add(made, manager.newCounter(prefix + "tx_bytes", TYPE_ID));
            drops = new DropCounters(manager, prefix + "drop_", TYPE_ID);
        } catch (RuntimeException e) {
            made.forEach(AtomicCounter::close);
            throw new PortException("port " + name + ": no room for its counters (" + e.getMessage()
                    + "); give the switch a bigger counters file", e);
        }
    }

    private static AtomicCounter add(List<AtomicCounter> made, AtomicCounter c) {
        made.add(c);
        return c;
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

    public long drops(DropReason reason) {
        return drops.get(reason);
    }

    public PortStats snapshot() {
        return new PortStats(rxFrames.get(), rxBytes.get(), txFrames.get(), txBytes.get(), drops.snapshot());
    }

    /** Frees the counters in the manager. */
    @Override
    public void close() {
        rxFrames.close();
        rxBytes.close();
        txFrames.close();
        txBytes.close();
        drops.close();
    }
}
