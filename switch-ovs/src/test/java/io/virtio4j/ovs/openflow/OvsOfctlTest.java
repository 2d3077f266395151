package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A real peer: Open vSwitch's own {@code ovs-ofctl -O OpenFlow13} against the agent's passive
 * listener on a running switch with in-process ports: {@code show}, {@code dump-ports},
 * {@code dump-ports-desc}, {@code dump-tables}, {@code dump-flows} read what the switch has and
 * counted. Needs {@code ovs-ofctl} (Debian openvswitch-common): skipped with a reason outside CI,
 * a failure in CI.
 */
@NeedsPeer
class OvsOfctlTest {
    private static final long DPID = 0x0000_0000_00ab_cdefL;

    @Test
    void ovsOfctlReadsTheSwitchThroughTheListener() throws Exception {
        Path ofctl = Prerequisites.requireExecutable("ovs-ofctl", "apt-get install openvswitch-common");
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, List.of(
                PortSpec.access("vm-a", PortType.IN_PROCESS, "vm-a", 10),
                PortSpec.access("vm-b", PortType.IN_PROCESS, "vm-b", 10)), List.of(), List.of(), List.of());
        try (VirtualSwitch sw = VirtualSwitch.start(spec, VirtualSwitch.inMemoryCounters(256));
             OpenFlowAgent agent = OpenFlowAgent.listen("127.0.0.1", 0, sw, DPID)) {
            InProcessPort a = sw.inProcessPort("vm-a");
            InProcessPort b = sw.inProcessPort("vm-b");
            for (int i = 0; i < 5; i++) {
                assertTrue(a.inject(InProcessSwitchTestAccess.udpFrame(100, i)));
                assertNotNull(InProcessSwitchTestAccess.await(b), "frame " + i + " flooded to vm-b");
            }
            String target = "tcp:127.0.0.1:" + agent.port();

            String show = run(ofctl, "show", target);
            assertTrue(show.contains("dpid:0000000000abcdef"), show);
            assertTrue(show.contains("n_tables:"), show);
            assertTrue(show.contains(" 1(vm-a): addr:00:00:00:00:00:00"), show);
            assertTrue(show.contains(" 2(vm-b): addr:00:00:00:00:00:00"), show);
            assertTrue(show.contains("frags=normal miss_send_len=128"), show);

            String desc = run(ofctl, "dump-ports-desc", target);
            assertTrue(desc.contains("1(vm-a)") && desc.contains("2(vm-b)"), desc);
            assertTrue(desc.contains("state:      LIVE"), desc);

            String stats = run(ofctl, "dump-ports", target);
            assertTrue(stats.contains("2 ports"), stats);
            assertTrue(stats.contains("port  1: rx pkts=5, bytes=500, drop=0"), stats);
            assertTrue(stats.contains("port  2: rx pkts=0, bytes=0, drop=0"), stats);
            assertTrue(stats.contains("tx pkts=5, bytes=500"), stats);
            String one = run(ofctl, "dump-ports", target, "2");
            assertTrue(one.contains("1 ports") && one.contains("port  2: rx pkts=0"), one);

            String tables = run(ofctl, "dump-tables", target);
            assertTrue(tables.contains("table 0"), tables);

            String flows = run(ofctl, "dump-flows", target);
            assertTrue(flows.contains("OFPST_FLOW reply (OF1.3)"), flows);

            assertEquals(0, agent.counters().errorsSent(), "ovs-ofctl sent nothing the agent refused");
            assertTrue(agent.counters().connections() >= 6, "one connection per command");

            // FLOW_MOD is not served yet: the tool gets the error, the agent counts it, the switch goes on.
            Process add = start(ofctl, "add-flow", target, "in_port=1,actions=output:2");
            assertTrue(add.waitFor(20, TimeUnit.SECONDS));
            String refused = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(add.exitValue() != 0 && refused.contains("OFPBRC_BAD_TYPE"), refused);
            assertEquals(1, agent.counters().unsupported());
            assertTrue(run(ofctl, "show", target).contains("1(vm-a)"), "still served");
        }
    }

    private static Process start(Path ofctl, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ofctl.toString(), "-O", "OpenFlow13", "--timeout=10"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String run(Path ofctl, String... args) throws Exception {
        Process p = start(ofctl, args);
        List<String> command = p.info().commandLine().map(List::of).orElse(List.of(args));
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        return out;
    }
}
