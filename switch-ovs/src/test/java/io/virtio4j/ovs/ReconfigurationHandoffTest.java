package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.TestPipelines;

import org.junit.jupiter.api.Test;

/**
 * A live reconfiguration is all or nothing even when a PMD thread cannot take part: a PMD stuck
 * inside a round (here: in the flow program, on a latch the test holds, so the outcome does not
 * depend on timing) never reaches the round boundary where it would hold for the hand-off. The
 * change must then be refused whole, the other PMD left forwarding with the old configuration,
 * and the ports the change opened closed; once the PMD is free the same change goes through.
 */
class ReconfigurationHandoffTest {
    private static final int STALL_ETHERTYPE = 0x88b6;
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Floods within the VLAN; a frame of {@link #STALL_ETHERTYPE} makes its PMD wait for {@code unblock} first. */
    private static FramePipeline stallable(SwitchSpec spec, CountDownLatch stalled, CountDownLatch unblock) {
        FramePipeline flood = TestPipelines.floodEverywhere(spec.ports());
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            if (headerLength >= 14 && Short.toUnsignedInt(header.get(BE_SHORT, 12)) == STALL_ETHERTYPE) {
                stalled.countDown();
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            flood.process(inPort, header, headerLength, frameLength, now, verdict);
        };
    }

    private static byte[] stallFrame() {
        byte[] f = InProcessSwitchTest.udpFrame(64, 0);
        MemorySegment.ofArray(f).set(BE_SHORT, 12, (short) STALL_ETHERTYPE);
        return f;
    }

    @Test
    void aPmdThatCannotStopForTheHandOffMakesTheWholeChangeFailAndChangeNothing() throws Exception {
        SwitchSpec before = InProcessSwitchTest.spec(2, InProcessSwitchTest.access("a", 10), InProcessSwitchTest.access("b", 10));
        // b moves to VLAN 20 and c is added: a PMD left half-way would forward b's frames on VLAN 20 or poll c.
        SwitchSpec next = InProcessSwitchTest.spec(2, InProcessSwitchTest.access("a", 10), InProcessSwitchTest.access("b", 20),
                InProcessSwitchTest.access("c", 10));
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        try (VirtualSwitch sw = VirtualSwitch.builder(before).pipeline(stallable(before, stalled, unblock))
                .handoffTimeout(Duration.ofSeconds(2)).start()) {
            InProcessPort a = sw.inProcessPort("a");
            InProcessPort b = sw.inProcessPort("b");
            assertNotEquals(sw.port("a").pmd(), sw.port("b").pmd(), "the test needs a and b on different PMDs");
            byte[] first = InProcessSwitchTest.udpFrame(100, 1);
            assertTrue(b.inject(first));
            assertArrayEquals(first, InProcessSwitchTest.await(a));

            assertTrue(a.inject(stallFrame()));
            assertTrue(stalled.await(5, TimeUnit.SECONDS), "a's PMD took the stalling frame");
            FramePipeline pipelineBefore = sw.pipeline();
            SwitchException refused = assertThrows(SwitchException.class,
                    () -> sw.reconfigure(next, s -> stallable(s, new CountDownLatch(1), new CountDownLatch(0))));
            // The stalled PMD is named (the other one too, should it have been slower than 2 s on a loaded machine).
            assertTrue(refused.getMessage().matches("pmds? (.*, )?" + sw.port("a").pmd() + " \\(thread [A-Z_]+\\)(, .*)? did not"
                    + " stop between two rounds within PT2S, so the change was not made; the PMDs go on as before"),
                    refused.getMessage());
            assertTrue(refused.getMessage().contains("the change was not made"), refused.getMessage());

            assertEquals(before, sw.spec(), "the spec the control side shows is the old one");
            assertSame(pipelineBefore, sw.pipeline());
            assertEquals(List.of("a", "b"), sw.ports().stream().map(PortInfo::name).toList());
            assertEquals(10, sw.port("b").vlan().accessVlan());
            // The PMD that did hold went on with its old plan: b is still on VLAN 10 and reaches a.
            byte[] second = InProcessSwitchTest.udpFrame(120, 2);
            assertTrue(b.inject(second));
            assertArrayEquals(second, InProcessSwitchTest.await(a), "b's PMD forwards on its old plan");

            unblock.countDown();
            assertArrayEquals(stallFrame(), InProcessSwitchTest.await(b), "the stalled frame goes on as the old plan says");
            // Free again, a's PMD goes on with its old plan too, not with one the failed change left behind.
            byte[] afterwards = InProcessSwitchTest.udpFrame(130, 4);
            assertTrue(a.inject(afterwards));
            assertArrayEquals(afterwards, InProcessSwitchTest.await(b), "a's PMD forwards on its old plan (b on VLAN 10)");
            assertEquals(0, sw.drops(io.virtio4j.ovs.pipeline.DropReason.VLAN_NOT_ALLOWED));
            List<String> changes = sw.reconfigure(next, s -> stallable(s, new CountDownLatch(1), unblock));
            assertTrue(changes.stream().anyMatch(c -> c.contains("port c: added")), changes.toString());
            assertEquals(next, sw.spec());
            InProcessPort c = sw.inProcessPort("c");
            byte[] third = InProcessSwitchTest.udpFrame(140, 3);
            assertTrue(a.inject(third));
            assertArrayEquals(third, InProcessSwitchTest.await(c), "a reaches the new port");
            InProcessSwitchTest.awaitDrops(sw, io.virtio4j.ovs.pipeline.DropReason.VLAN_NOT_ALLOWED, 1);
            assertNull(b.take(), "b is on VLAN 20 now");
            assertEquals(0, sw.pmdErrors());
        }
    }
}
