package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.PortNumbers;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.pipeline.TableStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The running {@link VirtualSwitch} seen through OpenFlow: its ports by their OpenFlow numbers
 * ({@link PortNumbers}: 1..n in the spec's order at start, kept per port name afterwards), the
 * OpenFlow tables of the flow program it classifies with, and the flows installed through
 * OpenFlow, which reach the data path as a new program handed over like a reconfiguration
 * ({@link VirtualSwitch#reprogram}).
 */
final class VirtualSwitchView implements OfSwitchView {
    private final VirtualSwitch sw;
    private final long datapathId;
    private final PortNumbers numbers;
    private final OfFlowTable flows;

    VirtualSwitchView(VirtualSwitch sw, long datapathId) {
        this.sw = sw;
        this.datapathId = datapathId;
        this.numbers = new PortNumbers(sw.spec().ports().stream().map(PortSpec::name).toList());
        this.flows = new OfFlowTable(numbers, this::portExists, this::install, this::packets);
    }

    private boolean portExists(long number) {
        return sw.spec().ports().stream().anyMatch(p -> numbers.numberOf(p.name()) == number);
    }

    private void install(ControllerFlows snapshot) {
        sw.reprogram(spec -> new OvsPipeline(spec, System.nanoTime(), emcEntries(), snapshot));
    }

    private int emcEntries() {
        return sw.pipeline() instanceof OvsPipeline p ? p.emcEntries() : io.virtio4j.ovs.flow.ExactMatchCache.DEFAULT_ENTRIES;
    }

    private Map<Object, Long> packets() {
        return sw.pipeline() instanceof OvsPipeline p ? p.controllerPackets() : Map.of();
    }

    @Override
    public long datapathId() {
        return datapathId;
    }

    @Override
    public List<OfPortView> ports() {
        List<OfPortView> out = new ArrayList<>();
        for (PortInfo p : sw.ports()) {
            long full = p.stats().drops().getOrDefault(DropReason.PORT_FULL, 0L);
            out.add(new OfPortView(numbers.numberOf(p.name()), p.name(), p.connected(), p.stats().rxFrames(),
                    p.stats().txFrames(), p.stats().rxBytes(), p.stats().txBytes(), p.stats().dropped() - full + p.deviceDrops(),
                    full));
        }
        return out;
    }

    @Override
    public List<OfTableView> tables() {
        OvsPipeline pipeline = sw.pipeline() instanceof OvsPipeline p ? p : null;
        List<OfTableView> out = new ArrayList<>();
        for (int t = 0; t < ControllerFlows.TABLES; t++) {
            TableStats s = pipeline == null ? new TableStats(t, "", 0, 0) : pipeline.openflowTable(t);
            out.add(new OfTableView(t, flows.count(t), s.lookups(), s.matched()));
        }
        return out;
    }

    @Override
    public int mtu(long number) {
        PortSpec spec = spec(number);
        return spec == null ? -1 : spec.mtu();
    }

    @Override
    public boolean inject(long number, int kind, byte[] frame) {
        PortSpec spec = spec(number);
        // The slot is the one the PMDs' executors resolved for this port name: they read its ring.
        return spec != null && sw.captures().slot(spec.name()).injection().offer(kind, frame);
    }

    @Override
    public int drainPacketIns(java.util.function.Consumer<java.nio.ByteBuffer> out) {
        return sw.captures().packetIns().drain(slot -> out.accept(OfPacketIn.encode(numbers.numberOf(slot.port()), slot)));
    }

    @Override
    public void awaitPacketIns(long timeoutNanos) {
        sw.captures().packetIns().await(timeoutNanos);
    }

    @Override
    public long packetInDropped() {
        return sw.captures().packetIns().dropped();
    }

    private PortSpec spec(long number) {
        for (PortSpec p : sw.spec().ports()) {
            if (numbers.numberOf(p.name()) == number) {
                return p;
            }
        }
        return null;
    }

    @Override
    public OfFlowTable flows() {
        return flows;
    }
}
