package io.virtio4j.ovs.vxlan;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.port.CounterGroup;
import io.virtio4j.ovs.port.PortCounter;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.RefusalCounters;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * A VXLAN port's per-VTEP traffic in the counters file ({@code vtep:<port>:<address>:rx_frames},
 * {@code :rx_bytes}, {@code :tx_frames}, {@code :tx_bytes}), copied from the {@link Vtep}s once a
 * second on the control side with the port's other refusal counters. VTEPs come and go at run
 * time, so each refresh allocates the counters of new VTEPs and frees those of removed ones.
 */
final class VtepCounters implements RefusalCounters.Extra {
    /** A VTEP counts what a port counts, under the same labels. */
    private static final List<String> NAMES = Arrays.stream(PortCounter.values()).map(PortCounter::label).toList();

    private final CountersManager manager;
    private final String port;
    private final VxlanPort source;
    private final Map<Vtep, CounterGroup> groups = new HashMap<>();

    VtepCounters(CountersManager manager, String port, VxlanPort source) {
        this.manager = manager;
        this.port = port;
        this.source = source;
    }

    @Override
    public synchronized void refresh() {
        VtepSet now = source.vteps();
        groups.entrySet().removeIf(e -> {
            if (now.find(e.getKey().address()) != e.getKey()) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        for (int i = 0; i < now.size(); i++) {
            Vtep v = now.get(i);
            CounterGroup g = groups.get(v);
            if (g == null) {
                try {
                    g = new CounterGroup(manager, "vtep:" + port + ":" + Ipv4.format(v.address()) + ":", PortCounters.TYPE_ID, NAMES);
                } catch (IllegalStateException full) {
                    // A full counters file: the VTEP's figures stay in ctl vteps; the next refresh tries again.
                    continue;
                }
                groups.put(v, g);
            }
            set(g.counter(PortCounter.RX_FRAMES.ordinal()), v.rxFrames());
            set(g.counter(PortCounter.RX_BYTES.ordinal()), v.rxBytes());
            set(g.counter(PortCounter.TX_FRAMES.ordinal()), v.txFrames());
            set(g.counter(PortCounter.TX_BYTES.ordinal()), v.txBytes());
        }
    }

    private static void set(AtomicCounter c, long value) {
        if (!c.isClosed()) {
            c.setRelease(value);
        }
    }

    @Override
    public synchronized void close() {
        groups.values().forEach(CounterGroup::close);
        groups.clear();
    }
}
