package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.pipeline.TableStats;

import java.util.ArrayList;
import java.util.List;

/**
 * The running {@link VirtualSwitch} seen through OpenFlow: its ports numbered from 1 in the
 * order of the switch spec, and the tables of the flow program it classifies with (the same
 * tables {@code ctl tables} shows, not a copy kept for OpenFlow).
 */
final class VirtualSwitchView implements OfSwitchView {
    private final VirtualSwitch sw;
    private final long datapathId;

    VirtualSwitchView(VirtualSwitch sw, long datapathId) {
        this.sw = sw;
        this.datapathId = datapathId;
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
            out.add(new OfPortView(p.index() + 1L, p.name(), p.connected(), p.stats().rxFrames(), p.stats().txFrames(),
                    p.stats().rxBytes(), p.stats().txBytes(), p.stats().dropped() - full + p.deviceDrops(), full));
        }
        return out;
    }

    @Override
    public List<OfTableView> tables() {
        if (!(sw.pipeline() instanceof OvsPipeline pipeline)) {
            return List.of();
        }
        List<OfTableView> out = new ArrayList<>();
        for (TableStats t : pipeline.tables()) {
            out.add(new OfTableView(t.table(), pipeline.flowsIn(t.table()), t.lookups(), t.matched()));
        }
        return out;
    }
}
