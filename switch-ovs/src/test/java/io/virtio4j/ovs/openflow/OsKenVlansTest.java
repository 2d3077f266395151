package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.OsKenControllerTest.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.OsKenController;
import io.virtio4j.testing.NeedsPeer;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The os-ken L2 learning app (see {@link OsKenControllerTest}) on a switch with four in-process
 * guests on two VLANs (vm-a, vm-b on 10; vm-c, vm-d on 20), told the ports' VLANs as Faucet is:
 * it learns per VLAN from PACKET_INs, floods by PACKET_OUT within the frame's VLAN and installs
 * {@code vlan_vid, eth_dst} flows with idle timeouts. A frame from one VLAN never reaches the
 * other, not even to a MAC learned there; the flows forward without PACKET_INs and expire when
 * idle. Then the controller is killed: with fail-mode standalone the built-in pipeline forwards,
 * still within the VLANs; with secure the installed flows keep forwarding and a frame no flow
 * knows goes nowhere (its table-miss flow sends to a controller that is not there).
 */
@NeedsPeer
class OsKenVlansTest {
    private static final long A = 0x02_00_00_00_00_0aL;
    private static final long B = 0x02_00_00_00_00_0bL;
    private static final long C = 0x02_00_00_00_00_0cL;
    private static final long D = 0x02_00_00_00_00_0dL;
    private static final long BROADCAST = 0xffff_ffff_ffffL;
    private static final Map<String, String> VLANS = Map.of("OSKEN_L2_VLANS", "1:10,2:10,3:20,4:20");

    private static SwitchSpec spec() {
        List<PortSpec> ports = List.of(PortSpec.access("vm-a", PortType.IN_PROCESS, "vm-a", 10),
                PortSpec.access("vm-b", PortType.IN_PROCESS, "vm-b", 10),
                PortSpec.access("vm-c", PortType.IN_PROCESS, "vm-c", 20),
                PortSpec.access("vm-d", PortType.IN_PROCESS, "vm-d", 20));
        return new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
    }

    /** The switch, its agent connected to the controller, and the four guests. */
    private record Lab(VirtualSwitch sw, VirtualSwitchView view, OpenFlowAgent agent, OsKenController controller,
                       InProcessPort a, InProcessPort b, InProcessPort c, InProcessPort d) {
        /** {@code frame} sent by {@code from} arrives at {@code to}, byte for byte. */
        void delivers(InProcessPort from, byte[] frame, InProcessPort to, String why) throws InterruptedException {
            assertTrue(from.inject(frame));
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(to), why);
        }

        /** Nothing has arrived at any guest beyond what the test took. */
        void nothingElse(String why) {
            for (InProcessPort p : List.of(a, b, c, d)) {
                assertNull(p.take(), why);
            }
        }

        List<ControllerFlows.Rule> rules() {
            return view.flows().snapshot().rules();
        }
    }

    /**
     * The controller learns all four guests: floods stay in their VLAN, a MAC learned in VLAN 10
     * is unknown in VLAN 20, and once a flow forwards, no PACKET_IN is sent for its frames.
     */
    private static void learn(Lab lab) throws InterruptedException {
        lab.controller.await(() -> OsKenControllerTest.tableMissToController(lab.view), "the table-miss flow");
        lab.view.flows().flush();
        lab.delivers(lab.a, frame(B, A, 80, 1), lab.b, "A -> B flooded in VLAN 10");
        lab.nothingElse("a flood in VLAN 10 reaches no guest of VLAN 20");
        lab.delivers(lab.c, frame(A, C, 81, 2), lab.d, "C -> A: A is not known in VLAN 20, flooded there");
        lab.nothingElse("A, learned in VLAN 10, gets nothing from VLAN 20");
        lab.delivers(lab.b, frame(A, B, 82, 3), lab.a, "B -> A: the learned port");
        lab.delivers(lab.d, frame(C, D, 83, 4), lab.c, "D -> C: the learned port");
        lab.controller.await(() -> lab.rules().size() == 3, "the flows vlan 10, A -> 1 and vlan 20, C -> 3");
        lab.view.flows().flush();

        long packetIns = lab.agent.counters().packetIns();
        lab.delivers(lab.b, frame(A, B, 84, 5), lab.a, "by the flow");
        lab.delivers(lab.d, frame(C, D, 85, 6), lab.c, "by the flow");
        assertEquals(packetIns, lab.agent.counters().packetIns(), "no PACKET_IN for frames flows forward");
        // The flow for A matches VLAN 10 only: from VLAN 20 the frame misses and is flooded there.
        lab.delivers(lab.d, frame(A, D, 86, 7), lab.c, "D -> A, from VLAN 20: flooded in VLAN 20");
        lab.nothingElse("nothing crosses the VLANs");
        assertEquals(0, lab.agent.counters().errorsSent(), "os-ken sent nothing the agent refused");
    }

    private static void run(Path dir, Map<String, String> env, boolean secure, LabTest test) throws Exception {
        try (OsKenController controller = OsKenController.start(dir, env);
             VirtualSwitch sw = VirtualSwitch.start(spec(), VirtualSwitch.inMemoryCounters(256))) {
            VirtualSwitchView view = new VirtualSwitchView(sw, 0x43);
            try (OpenFlowAgent agent = OpenFlowAgent.withoutListener(view)) {
                agent.failSecure(secure);
                agent.connect(new InetSocketAddress("127.0.0.1", controller.port()), 200, 1000);
                Lab lab = new Lab(sw, view, agent, controller, sw.inProcessPort("vm-a"), sw.inProcessPort("vm-b"),
                        sw.inProcessPort("vm-c"), sw.inProcessPort("vm-d"));
                learn(lab);
                test.run(lab);
                assertEquals(0, sw.pmdErrors());
            }
        }
    }

    private interface LabTest {
        void run(Lab lab) throws Exception;
    }

    @Test
    void flowsExpireWhenIdleAndStandaloneForwardsWithinTheVlansOnceTheControllerDies(@TempDir Path dir) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(VLANS);
        env.put("OSKEN_L2_IDLE", "2");
        run(dir, env, false, lab -> {
            long idleFrom = System.nanoTime();
            lab.controller.await(() -> lab.rules().size() == 1, "the two flows expire after 2 s without a frame");
            assertTrue(System.nanoTime() - idleFrom >= 1_000_000_000L, "not before their idle timeout");
            assertTrue(OsKenControllerTest.tableMissToController(lab.view), "the table-miss flow has no timeout");

            lab.controller.kill();
            lab.controller.await(() -> lab.view.flows().snapshot().onlyNormal(), "standalone: NORMAL back");
            lab.view.flows().flush();
            lab.delivers(lab.a, frame(B, A, 90, 8), lab.b, "NORMAL: B learned at port 2");
            lab.nothingElse("NORMAL knows B");
            lab.delivers(lab.c, frame(BROADCAST, C, 91, 9), lab.d, "a broadcast in VLAN 20");
            lab.nothingElse("NORMAL floods within the VLAN only");
        });
    }

    @Test
    void secureKeepsTheInstalledFlowsForwardingAndFloodsNothingOnceTheControllerDies(@TempDir Path dir) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(VLANS);
        env.put("OSKEN_L2_IDLE", "60");
        run(dir, env, true, lab -> {
            List<ControllerFlows.Rule> before = lab.rules();
            lab.controller.kill();
            lab.controller.await(() -> lab.agent.controllersConnected() == 0, "the agent sees the controller gone");
            assertEquals(before, lab.rules(), "secure: the flows stay as they are");

            lab.delivers(lab.b, frame(A, B, 92, 10), lab.a, "the installed flow forwards");
            lab.delivers(lab.d, frame(C, D, 93, 11), lab.c, "the installed flow forwards");
            // A frame no flow knows meets the table-miss flow, to a controller that is not there.
            Object tableMiss = before.stream().filter(r -> r.priority() == 0).findFirst().orElseThrow().counterKey();
            long missed = lab.view.flows().packets().getOrDefault(tableMiss, 0L);
            assertTrue(lab.a.inject(frame(BROADCAST, A, 94, 12)));
            assertTrue(lab.c.inject(frame(0x02_00_00_00_00_99L, C, 95, 13)));
            lab.controller.await(() -> lab.view.flows().packets().getOrDefault(tableMiss, 0L) == missed + 2,
                    "both frames met the table-miss flow");
            lab.nothingElse("secure: nothing unknown is flooded");
        });
    }
}
