package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.TwoVpcs;

/**
 * {@code ctl drops} shows every drop the switch counted, also those made after the pipeline's
 * verdict: a frame flooded to a port with no guest connected is a {@code port_full} drop there,
 * and {@code ctl drops} agrees with the port's {@code drop_port_full} and the counters file's
 * {@code drop:port_full}. (It showed the pipeline's own figures, which never have port_full: the
 * soak's accounting found it, scripts/soak.sh.)
 */
class DropsTableTest {
    private static final long MAC1 = 0x5254_0000_0001L;

    @TempDir
    Path dir;

    @Test
    void aFrameFloodedToAnAbsentGuestIsAPortFullDropInCtlDrops() throws Exception {
        Path config = dir.resolve("switch.conf");
        Files.writeString(config, TwoVpcs.switchSection("none") + """
                [port vm1]
                type = vhost-user-server
                path = vm1.sock
                vlan = 10
                [port vm2]
                type = vhost-user-server
                path = vm2.sock
                vlan = 10
                """);
        try (RunningDaemon daemon = new RunningDaemon(config, dir.resolve("ctl.sock"));
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"))) {
            daemon.awaitConnected("vm1");
            for (int i = 0; i < 3; i++) {
                vm1.send(Frames.ethernet(0xffff_ffff_ffffL, MAC1, 0, 0x88b5, new byte[46]));
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Long.parseLong(daemon.row("ports", "vm1")[7]) < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("3", daemon.row("ports", "vm1")[7], "vm1's frames reached the switch: " + daemon.ctl("ports"));
            assertEquals("3", daemon.row("drops", "port_full")[1], "ctl drops: " + daemon.ctl("drops"));
            assertEquals("3", daemon.row("port-stats", "vm2")[columnOf(daemon, "drop_port_full")], daemon.ctl("port-stats").toString());
            assertEquals("0", daemon.row("drops", "flood_no_port")[1], "vm2 is on the VLAN, connected or not");
        }
    }

    private static int columnOf(RunningDaemon daemon, String header) {
        return java.util.Arrays.asList(daemon.ctl("port-stats").get(0).trim().split("\\s+")).indexOf(header);
    }
}
