package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.SwitchException;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

import org.junit.jupiter.api.Test;

/**
 * pmd-cpus over the real kernel: the PMD thread runs only on its CPU (read back from
 * /proc/self/task/TID/status and sched_getaffinity), the thread that started the switch is moved
 * off it, and closing the switch puts it back.
 */
class PmdPlacementTest {
    private static final Platform LINUX = Platform.linux();

    private static SwitchSpec oneVlan() {
        List<PortSpec> ports = List.of(PortSpec.access("a", PortType.IN_PROCESS, "a", 10),
                PortSpec.access("b", PortType.IN_PROCESS, "b", 10));
        return new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
    }

    private static String cpusAllowedList(int tid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring("Cpus_allowed_list:".length()).strip();
            }
        }
        throw new AssertionError("no Cpus_allowed_list for thread " + tid);
    }

    @NeedsKernel
    @Test
    void thePmdRunsOnlyOnItsCpuAndTheOtherThreadsStayOffIt() throws Exception {
        BitSet allowed = LINUX.affinity(0);
        Prerequisites.require(allowed.cardinality() >= 2, "pinning a PMD away from the other threads needs 2 CPUs; this process may use " + allowed);
        int cpu = allowed.length() - 1;
        int me = LINUX.gettid();
        SwitchSpec spec = oneVlan();
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(spec.ports()))
                .pmdCpus(List.of(cpu)).start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!cpusAllowedList(sw.pmdTids().get(0) == 0 ? me : sw.pmdTids().get(0)).equals(String.valueOf(cpu))) {
                assertTrue(System.nanoTime() < deadline, "the PMD never pinned itself to CPU " + cpu);
                Thread.sleep(5);
            }
            int pmd = sw.pmdTids().get(0);
            assertTrue(pmd != 0 && pmd != me);
            BitSet only = new BitSet();
            only.set(cpu);
            assertEquals(only, LINUX.affinity(pmd), "sched_getaffinity agrees");
            BitSet mine = LINUX.affinity(0);
            assertFalse(mine.get(cpu), "the starting thread left the PMD's CPU: " + mine);
            BitSet others = (BitSet) allowed.clone();
            others.clear(cpu);
            assertEquals(others, mine);
        }
        assertEquals(allowed, LINUX.affinity(0), "closing the switch gave the other threads their CPUs back");
    }

    @Test
    void aCpuThisProcessMayNotUseIsRefusedAtStart() {
        SwitchSpec spec = oneVlan();
        BitSet allowed = LINUX.affinity(0);
        SwitchException e = assertThrows(SwitchException.class, () -> VirtualSwitch.builder(spec)
                .pipeline(TestPipelines.floodEverywhere(spec.ports())).pmdCpus(List.of(4095)).start());
        assertTrue(e.getMessage().contains("CPU 4095 is not available to this process"), e.getMessage());
        assertEquals(allowed, LINUX.affinity(0), "a refused placement moved nothing");
    }
}
