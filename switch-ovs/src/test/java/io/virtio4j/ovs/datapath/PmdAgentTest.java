package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.testing.ScriptedPort;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/** A port whose burst fails in every round must not starve the other ports of its PMD. */
class PmdAgentTest {
    @Test
    void aPortThatFailsEveryRoundLeavesTheNextPortPolledAndTheRoundAccounted() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        IllegalStateException failure = new IllegalStateException("broken port");
        ScriptedPort broken = new ScriptedPort("broken", 0, failure);
        ScriptedPort sender = new ScriptedPort("sender", 2, null);
        ScriptedPort receiver = new ScriptedPort("receiver", 0, null);
        try (PortCounters c0 = new PortCounters(manager, "broken"); PortCounters c1 = new PortCounters(manager, "sender");
             PortCounters c2 = new PortCounters(manager, "receiver");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID);
             PmdStats stats = new PmdStats(manager, 0)) {
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {broken, sender, receiver},
                    new PortCounters[] {c0, c1, c2}, ScriptedPort.pipelineTo(2), drops);
            PmdAgent agent = new PmdAgent(0, new int[] {0, 1}, executor, stats, PmdPlacement.none());

            for (int round = 1; round <= 2; round++) {
                assertSame(failure, assertThrows(IllegalStateException.class, agent::doWork));
                assertEquals(2L * round, receiver.transmitted, "round " + round + " polled the port after the broken one");
                assertEquals(round, receiver.flushes);
                assertEquals(2L * round, stats.snapshot(0).frames());
                assertEquals(round, stats.snapshot(0).polls());
            }
        }
    }
}
