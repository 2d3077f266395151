package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.testing.ScriptedPort;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * {@link PmdThread#close()} returns only once its thread has ended. Agrona's AgentRunner.close does
 * not join a thread whose run() had not begun yet (and returns as soon as the agent closed, before
 * run() returns), so closing right after the start used to leave the thread alive for a moment: a
 * switch that failed to start then still showed a PMD thread.
 */
class PmdThreadCloseTest {
    /** Enough rounds that, without the join, some close lands before the thread first runs. */
    private static final int ROUNDS = 200;

    @Test
    void closingRightAfterTheStartLeavesNoThreadAliveAndNoCounterAllocated() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        ScriptedPort port = new ScriptedPort("p", 0, null);
        try (PortCounters counters = new PortCounters(manager, "p");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {port}, new PortCounters[] {counters},
                    ScriptedPort.pipelineTo(0), drops);
            int before = allocated(manager);
            for (int round = 0; round < ROUNDS; round++) {
                PmdThread pmd = new PmdThread(0, new SwitchPort[] {port}, new int[] {0}, executor, manager,
                        Duration.ZERO, Duration.ofMillis(10));
                Thread thread = pmd.thread();
                pmd.close();
                assertFalse(thread.isAlive(), "round " + round + ": " + thread.getName() + " still alive after close");
            }
            assertEquals(before, allocated(manager), "every PMD's counters were freed");
        }
    }

    private static int allocated(CountersManager manager) {
        int[] n = new int[1];
        manager.forEach((id, label) -> n[0]++);
        return n[0];
    }
}
