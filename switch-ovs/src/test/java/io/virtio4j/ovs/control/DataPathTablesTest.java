package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.port.PortStats;

class DataPathTablesTest {
    @Test
    void pmdStatsShowBusyShareAndBusyNanosPerFrame() {
        assertEquals(List.of(
                        "pmd  frames  polls  sleeps  busy_ms  idle_ms  busy_%  busy_ns/frame",
                        "  0    1000     10       2        2        6    25.0         2000.0",
                        "  1       0      5       5        0        0     0.0            0.0"),
                DataPathTables.pmdStats(List.of(new PmdSnapshot(0, 2_000_000, 6_000_000, 1000, 10, 2),
                        new PmdSnapshot(1, 0, 0, 0, 5, 5))).lines());
    }

    @Test
    void portsShowSwitchAndDeviceDropsApartAndTrunksByTheirVlans() {
        PortStats stats = new PortStats(3, 300, 4, 400, Map.of(DropReason.PORT_FULL, 2L, DropReason.MALFORMED, 1L));
        PortInfo trunk = new PortInfo(0, "r", PortType.VHOST_USER_CLIENT, "/run/r.sock", false,
                PortVlan.trunk(java.util.Set.of(20, 10)), 1, stats, 4);
        assertEquals(List.of(
                        "port  index  type               target       state    VLAN         pmd  rx_frames  rx_bytes  tx_frames  tx_bytes  dropped  device_drops",
                        "r         0  vhost-user-client  /run/r.sock  waiting  trunk:10,20    1          3       300          4       400        3             4"),
                DataPathTables.ports(List.of(trunk)).lines());
        // One token per cell: awk's $6 is the VLAN cell on every line.
        DataPathTables.ports(List.of(trunk)).lines().forEach(line -> assertEquals(13, line.trim().split("\\s+").length, line));
    }
}
