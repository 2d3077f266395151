package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * FLOW_MOD on a running switch, through the agent's view of it: flows steer frames between
 * in-process ports once the BARRIER is answered, a table-miss drops and is counted, a port keeps
 * its OpenFlow number when another is removed, and a reconfiguration keeps the flows and their
 * counts (as {@code ctl reload} and {@code add-port} build their pipelines with the installed flows).
 */
class OpenFlowSwitchTest {
    private final List<ByteBuffer> sent = new ArrayList<>();

    /** One PMD, L2 only, the named in-process ports all access ports of VLAN 10. */
    static SwitchSpec spec(String... names) {
        List<PortSpec> ports = new ArrayList<>();
        for (String n : names) {
            ports.add(PortSpec.access(n, PortType.IN_PROCESS, n, 10));
        }
        return new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
    }

    /** The in-process ports vm-a, vm-b and vm-c (OpenFlow ports 1-3) and the agent's view of their switch. */
    private record ThreePorts(VirtualSwitchView view, InProcessPort a, InProcessPort b, InProcessPort c) {
        static ThreePorts of(VirtualSwitch sw) {
            return new ThreePorts(new VirtualSwitchView(sw, 1), sw.inProcessPort("vm-a"), sw.inProcessPort("vm-b"),
                    sw.inProcessPort("vm-c"));
        }
    }

    private OfSession session(VirtualSwitchView view) {
        return session(view, new OfCounters());
    }

    /** A session past HELLO on {@code view}, counting into {@code counters}; what it sends goes to {@link #sent}. */
    private OfSession session(VirtualSwitchView view, OfCounters counters) {
        OfSession s = new OfSession(view, counters, sent::add, "test");
        s.start();
        s.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        sent.clear();
        return s;
    }

    private void barrier(OfSession s) {
        s.receive(OfSessionTest.message(4, OfProtocol.BARRIER_REQUEST, 9));
        assertEquals(1, sent.size(), "only the BARRIER_REPLY: " + sent);
        assertEquals(OfProtocol.BARRIER_REPLY, sent.getFirst().get(1));
        sent.clear();
    }

    /** Counts reach the shared counters at the end of the PMD's burst, just after the frame left. */
    private static void awaitPackets(VirtualSwitchView view, Object key, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (view.flows().packets().getOrDefault(key, 0L) != n) {
            assertTrue(System.nanoTime() < deadline, "expected " + n + " packets, saw " + view.flows().packets().get(key));
            Thread.sleep(1);
        }
    }

    @Test
    void flowsSteerFramesAndAMissIsDroppedAndCounted() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(spec("vm-a", "vm-b", "vm-c"), VirtualSwitch.inMemoryCounters(256))) {
            ThreePorts ports = ThreePorts.of(sw);
            VirtualSwitchView view = ports.view();
            OfSession s = session(view);
            InProcessPort a = ports.a();
            InProcessPort b = ports.b();
            InProcessPort c = ports.c();
            byte[] frame = InProcessSwitchTestAccess.udpFrame(100, 1);

            s.receive(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(2));
            barrier(s);
            assertTrue(a.inject(frame));
            InProcessSwitchTestAccess.awaitDrops(sw, DropReason.TABLE_MISS, 1);
            assertNull(b.take());
            assertNull(c.take());

            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(10).match(OfMatch.IN_PORT, 4, 1).apply(output(3)).build(3));
            barrier(s);
            assertTrue(a.inject(frame));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(c), "in_port=1 -> output:3, as sent");
            assertNull(b.take(), "not flooded");
            awaitPackets(view, view.flows().snapshot().rules().getFirst().counterKey(), 1);
            assertEquals(1, view.tables().get(0).activeCount());
            assertEquals(0, sw.pmdErrors());
        }
    }

    @Test
    void packetOutFramesArriveByteForByteOutOfPortsAndThroughTheTables() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(spec("vm-a", "vm-b", "vm-c"), VirtualSwitch.inMemoryCounters(256))) {
            ThreePorts ports = ThreePorts.of(sw);
            VirtualSwitchView view = ports.view();
            OfCounters counters = new OfCounters();
            OfSession s = session(view, counters);
            InProcessPort a = ports.a();
            InProcessPort b = ports.b();
            InProcessPort c = ports.c();
            byte[] frame = InProcessSwitchTestAccess.udpFrame(100, 1);

            s.receive(OfPacketOutTest.packetOut(OfProtocol.PORT_CONTROLLER, frame, output(2)));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(b), "output:2, as sent");
            s.receive(OfPacketOutTest.packetOut(1, frame, output(OfProtocol.PORT_IN_PORT)));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(a), "IN_PORT");
            s.receive(OfPacketOutTest.packetOut(1, frame, output(OfProtocol.PORT_FLOOD)));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(b), "FLOOD");
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(c), "FLOOD");
            assertNull(a.take(), "not back to in_port");

            // TABLE with only the default flow: NORMAL floods the unknown destination within the VLAN.
            s.receive(OfPacketOutTest.packetOut(1, frame, output(OfProtocol.PORT_TABLE)));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(b), "TABLE -> NORMAL");
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(c), "TABLE -> NORMAL");
            // A flow in table 0 steers the injected frame as if vm-a had sent it.
            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(10).match(OfMatch.IN_PORT, 4, 1).apply(output(3)).build(3));
            barrier(s);
            s.receive(OfPacketOutTest.packetOut(1, frame, output(OfProtocol.PORT_TABLE)));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(c), "TABLE -> in_port=1 -> output:3");
            awaitPackets(view, view.flows().snapshot().rules().getLast().counterKey(), 1);
            assertNull(a.take());
            assertNull(b.take(), "the flow sends it to port 3 only");
            assertTrue(sent.isEmpty(), "no errors: " + sent);
            assertEquals(5, counters.packetOuts());
            assertEquals(0, counters.packetOutDropped());
            assertEquals(0, sw.pmdErrors());
        }
    }

    /** The next PACKET_IN the data path queued, waiting for it up to 5 s. */
    private static ByteBuffer awaitPacketIn(VirtualSwitchView view) throws InterruptedException {
        List<ByteBuffer> got = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no PACKET_IN");
            view.drainPacketIns(got::add);
            Thread.sleep(1);
        }
        assertEquals(1, got.size(), "one PACKET_IN: " + got);
        return got.getFirst();
    }

    @Test
    void outputControllerAndATableMissFlowMakePacketInsWithTheFrame() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(spec("vm-a", "vm-b", "vm-c"), VirtualSwitch.inMemoryCounters(256))) {
            ThreePorts ports = ThreePorts.of(sw);
            VirtualSwitchView view = ports.view();
            OfSession s = session(view);
            InProcessPort a = ports.a();
            InProcessPort b = ports.b();
            InProcessPort c = ports.c();
            byte[] frame = InProcessSwitchTestAccess.udpFrame(100, 1);

            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(10).cookie(0xabcdL, 0).match(OfMatch.IN_PORT, 4, 2)
                    .apply(FlowModBytes.toController(64)).build(2));
            barrier(s);
            assertTrue(b.inject(frame));
            assertArrayEquals(OfPacketInTest.expected(2, 1, 0, 0xabcdL, frame.length, java.util.Arrays.copyOf(frame, 64)),
                    OfPacketInTest.bytes(awaitPacketIn(view)), "reason ACTION, cut at max_len 64");

            // Only a table-miss flow sending to the controller: reason NO_MATCH, the whole frame.
            s.receive(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(3));
            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(0).table(1).apply(FlowModBytes.toController(0xffff)).build(4));
            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(0).gotoTable(1).build(5));
            barrier(s);
            assertTrue(c.inject(frame));
            assertArrayEquals(OfPacketInTest.expected(3, 0, 1, 0, frame.length, frame), OfPacketInTest.bytes(awaitPacketIn(view)));
            assertNull(a.take(), "a frame to the controller goes nowhere else");
            assertNull(b.take());
            assertEquals(0, sw.captures().packetIns().dropped());
            assertTrue(sent.isEmpty(), "no errors: " + sent);
            assertEquals(0, sw.pmdErrors());
        }
    }

    @Test
    void aPortKeepsItsNumberWhenAnotherGoesAndAReloadKeepsTheFlowsAndTheirCounts() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(spec("vm-a", "vm-b", "vm-c"), VirtualSwitch.inMemoryCounters(256))) {
            VirtualSwitchView view = new VirtualSwitchView(sw, 1);
            OfSession s = session(view);
            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(10).match(OfMatch.IN_PORT, 4, 3).apply(output(1)).build(2));
            barrier(s);
            byte[] frame = InProcessSwitchTestAccess.udpFrame(100, 2);
            assertTrue(sw.inProcessPort("vm-c").inject(frame));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(sw.inProcessPort("vm-a")));

            // ctl del-port vm-b: vm-c becomes the second port of the spec, and stays OpenFlow port 3.
            sw.reconfigure(spec("vm-a", "vm-c"), next -> new OvsPipeline(next, System.nanoTime(),
                    ((OvsPipeline) sw.pipeline()).controllerFlows()));
            assertEquals(List.of(1L, 3L), view.ports().stream().map(OfPortView::number).toList());
            assertTrue(sw.inProcessPort("vm-c").inject(frame));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(sw.inProcessPort("vm-a")), "in_port=3 is still vm-c");
            Object key = view.flows().snapshot().rules().get(1).counterKey();
            awaitPackets(view, key, 2); // one frame before the change, one after

            // ctl add-port vm-d: a new number, after the highest given.
            sw.reconfigure(spec("vm-a", "vm-c", "vm-d"), next -> new OvsPipeline(next, System.nanoTime(),
                    ((OvsPipeline) sw.pipeline()).controllerFlows()));
            assertEquals(List.of(1L, 3L, 4L), view.ports().stream().map(OfPortView::number).toList());
            assertEquals(2, view.flows().snapshot().rules().size(), "NORMAL and in_port=3 stay");
        }
    }
}
