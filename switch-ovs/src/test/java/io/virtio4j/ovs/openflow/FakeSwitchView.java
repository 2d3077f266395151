package io.virtio4j.ovs.openflow;

import java.util.ArrayList;
import java.util.List;

/** A switch of {@code ports} ports and two tables, with counters that follow the port number. */
final class FakeSwitchView implements OfSwitchView {
    private final int ports;

    FakeSwitchView(int ports) {
        this.ports = ports;
    }

    @Override
    public long datapathId() {
        return 0x0000_1234_5678_9abcL;
    }

    @Override
    public List<OfPortView> ports() {
        List<OfPortView> out = new ArrayList<>();
        for (int i = 1; i <= ports; i++) {
            out.add(new OfPortView(i, "port" + i, i % 2 == 1, 10L * i, 20L * i, 1000L * i, 2000L * i, i, 0));
        }
        return out;
    }

    @Override
    public List<OfTableView> tables() {
        return List.of(new OfTableView(0, 3, 100, 90), new OfTableView(1, 5, 90, 80));
    }
}
