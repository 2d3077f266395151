package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.OsKenController;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.testing.NeedsPeer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One os-ken controller (the L2 learning app of {@code OsKenControllerTest}) driving two switch
 * daemons at once, each started from its own config file with its own control socket and two
 * vhost-user ports with in-process guests: the controller sees two datapath ids (derived from
 * the control sockets' paths), programs each switch, and frames are forwarded in both through
 * its PACKET_INs, PACKET_OUTs and flows; {@code ctl add-port} and {@code del-port} on one switch
 * reach it as PORT_STATUS from that switch. Skipped with a reason outside CI when osken-manager
 * is missing; a failure in CI.
 */
@NeedsPeer
class TwoSwitchesOneControllerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MAC1 = 0x0200_0000_0001L;
    private static final long MAC2 = 0x0200_0000_0002L;

    @TempDir
    Path dir;

    /** A daemon's directory and config: {@code controller} and the ports vm1, vm2 of VLAN 10. */
    private Path config(String name, int controllerPort) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Path file = home.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection("none") + "controller = tcp:127.0.0.1:" + controllerPort + "\n"
                + "[port vm1]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n"
                + "[port vm2]\ntype = vhost-user-server\npath = vm2.sock\nvlan = 10\n");
        return file;
    }

    private static String dpid(Path config) {
        return String.format("%016x", SwitchDaemon.datapathId(SwitchConfigReader.read(config)));
    }

    /** The value of {@code column} in {@code ctl openflow}. */
    private static long openflow(RunningDaemon daemon, String column) {
        List<String> table = daemon.ctl("openflow");
        int i = List.of(table.get(0).trim().split("\\s+")).indexOf(column);
        return Long.parseLong(table.get(1).trim().split("\\s+")[i]);
    }

    /** vm1 and vm2 of one switch reach each other through the controller, which installs a flow. */
    private static void forwards(RunningDaemon daemon, AttachedGuest vm1, AttachedGuest vm2, int mark) throws Exception {
        byte[] there = Frames.ethernet(MAC2, MAC1, 0, 0x88b5, new byte[] {(byte) mark, 1});
        vm1.send(there);
        assertArrayEquals(there, vm2.await(WAIT), "flooded by the controller's PACKET_OUT");
        byte[] back = Frames.ethernet(MAC1, MAC2, 0, 0x88b5, new byte[] {(byte) mark, 2});
        vm2.send(back);
        assertArrayEquals(back, vm1.await(WAIT), "sent to the learned port");
        assertTrue(openflow(daemon, "packet_ins") >= 2, daemon.ctl("openflow").toString());
        assertTrue(openflow(daemon, "packet_outs") >= 2, daemon.ctl("openflow").toString());
        assertEquals(0, openflow(daemon, "errors_sent"), "os-ken sent nothing the switch refused");
    }

    @Test
    void oneControllerProgramsTwoDaemonsAndFramesFlowInBoth() throws Exception {
        try (OsKenController controller = OsKenController.start(dir, Map.of())) {
            Path first = config("sw1", controller.port());
            Path second = config("sw2", controller.port());
            String dpid1 = dpid(first);
            String dpid2 = dpid(second);
            assertNotEquals(dpid1, dpid2, "two control sockets, two datapath ids");
            try (RunningDaemon sw1 = new RunningDaemon(first, first.resolveSibling("ctl.sock"));
                 RunningDaemon sw2 = new RunningDaemon(second, second.resolveSibling("ctl.sock"))) {
                controller.await(() -> controller.log().contains("switch " + dpid1 + " programmed")
                        && controller.log().contains("switch " + dpid2 + " programmed"), "both switches programmed");
                // Programmed: the table-miss flow to the controller is in each data path.
                for (RunningDaemon d : List.of(sw1, sw2)) {
                    controller.await(() -> d.ctl("flows").stream().anyMatch(l -> l.endsWith("actions=CONTROLLER:65535")),
                            "the table-miss flow reaches the data path: " + d.ctl("flows"));
                }
                try (AttachedGuest a1 = AttachedGuest.connect("vm1", first.resolveSibling("vm1.sock"));
                     AttachedGuest b1 = AttachedGuest.connect("vm2", first.resolveSibling("vm2.sock"));
                     AttachedGuest a2 = AttachedGuest.connect("vm1", second.resolveSibling("vm1.sock"));
                     AttachedGuest b2 = AttachedGuest.connect("vm2", second.resolveSibling("vm2.sock"))) {
                    sw1.awaitConnected("vm1", "vm2");
                    sw2.awaitConnected("vm1", "vm2");
                    forwards(sw1, a1, b1, 1);
                    forwards(sw2, a2, b2, 2);
                    String log = controller.log();
                    assertTrue(log.contains("switch " + dpid1 + " vlan None: 02:00:00:00:00:02 at port 2"), log);
                    assertTrue(log.contains("switch " + dpid2 + " vlan None: 02:00:00:00:00:02 at port 2"), log);

                    // Ports that come and go on one switch are told to the controller by that switch.
                    sw1.ctl("add-port vm3 type=vhost-user-server path=vm3.sock vlan=10");
                    controller.await(() -> controller.log().contains("switch " + dpid1 + " port ADD 3(vm3)"),
                            "PORT_STATUS ADD from the first switch");
                    sw1.ctl("del-port vm3");
                    controller.await(() -> controller.log().contains("switch " + dpid1 + " port DELETE 3(vm3)"),
                            "PORT_STATUS DELETE from the first switch");
                    assertTrue(!controller.log().contains("switch " + dpid2 + " port ADD"), "nothing from the other");
                    assertTrue(openflow(sw1, "port_status") >= 2, sw1.ctl("openflow").toString());
                }
            }
        }
    }
}
