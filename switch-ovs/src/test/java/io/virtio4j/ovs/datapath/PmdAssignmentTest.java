package io.virtio4j.ovs.datapath;

import java.time.Duration;
import java.util.List;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PmdAssignmentTest {
    static PortSpec port(String name, int pmd) {
        return new PortSpec(name, PortType.IN_PROCESS, name, Duration.ofSeconds(1), PortVlan.access(1), 1, pmd);
    }

    @Test
    void pinnedPortsStayAndTheRestGoToTheLeastLoadedPmd() {
        int[][] a = PmdAssignment.assign(List.of(port("a", -1), port("b", 2), port("c", -1), port("d", -1), port("e", 2)), 3);
        assertArrayEquals(new int[] {0, 3}, a[0]);
        assertArrayEquals(new int[] {2}, a[1]);
        assertArrayEquals(new int[] {1, 4}, a[2]);
    }

    @Test
    void onePmdPollsEverythingAndAPinToAMissingPmdIsRefused() {
        assertArrayEquals(new int[] {0, 1}, PmdAssignment.assign(List.of(port("a", -1), port("b", 0)), 1)[0]);
        assertThrows(IllegalArgumentException.class, () -> PmdAssignment.assign(List.of(port("a", 1)), 1));
    }
}
