package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.OvsOfctl;
import io.virtio4j.testing.NeedsPeer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's tools beyond flows, with the real {@code ovs-ofctl -O OpenFlow13} against the
 * agent's listener on a running switch with in-process guests: {@code packet-out} injects frames
 * that arrive byte for byte at the guests the actions name, {@code dump-ports},
 * {@code dump-ports-desc} and {@code show} show the ports by name and number with the counters
 * those frames moved, and {@code monitor} hears PORT_STATUS when ports come and go. Needs
 * {@code ovs-ofctl} (Debian openvswitch-common): skipped with a reason outside CI, a failure in CI.
 */
@NeedsPeer
class OvsOfctlToolsTest {
    private static final long DPID = 0x0000_0000_00ab_cde0L;

    @Test
    void packetOutFramesArriveByteForByteAndThePortCountersShowThem() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(OpenFlowSwitchTest.spec("vm-a", "vm-b", "vm-c"),
                VirtualSwitch.inMemoryCounters(256));
             OpenFlowAgent agent = OpenFlowAgent.listen("127.0.0.1", 0, sw, DPID)) {
            OvsOfctl ofctl = OvsOfctl.at(agent.port());
            InProcessPort a = sw.inProcessPort("vm-a");
            InProcessPort b = sw.inProcessPort("vm-b");
            InProcessPort c = sw.inProcessPort("vm-c");
            byte[] frame = InProcessSwitchTestAccess.udpFrame(100, 7);
            String hex = HexFormat.of().formatHex(frame);

            ofctl.run("packet-out", "in_port=controller packet=" + hex + " actions=output:2");
            assertArrayEquals(frame, InProcessSwitchTestAccess.await(b), "output:2, as sent");
            assertNull(a.take());
            assertNull(c.take());
            byte[] second = InProcessSwitchTestAccess.udpFrame(120, 8);
            ofctl.run("packet-out", "in_port=1 packet=" + HexFormat.of().formatHex(second) + " actions=FLOOD");
            assertArrayEquals(second, InProcessSwitchTestAccess.await(b), "FLOOD: every port but in_port");
            assertArrayEquals(second, InProcessSwitchTestAccess.await(c));
            assertNull(a.take(), "not back to in_port");
            assertEquals(2, agent.counters().packetOuts());

            String stats = ofctl.run("dump-ports");
            assertTrue(stats.contains("3 ports"), stats);
            assertTrue(stats.contains("port  2: rx pkts=0, bytes=0, drop=0"), stats);
            assertTrue(stats.lines().dropWhile(l -> !l.contains("port  2:")).skip(1).findFirst().orElseThrow()
                    .contains("tx pkts=2, bytes=220,"), "both frames sent out of vm-b: " + stats);
            assertTrue(stats.lines().dropWhile(l -> !l.contains("port  3:")).skip(1).findFirst().orElseThrow()
                    .contains("tx pkts=1, bytes=120,"), "the flooded one out of vm-c: " + stats);
            assertTrue(stats.lines().dropWhile(l -> !l.contains("port  1:")).skip(1).findFirst().orElseThrow()
                    .contains("tx pkts=0, bytes=0,"), stats);

            String desc = ofctl.run("dump-ports-desc");
            for (String port : new String[] {" 1(vm-a): addr:00:00:00:00:00:00", " 2(vm-b): addr:", " 3(vm-c): addr:"}) {
                assertTrue(desc.contains(port), port + " in " + desc);
            }
            String show = ofctl.run("show");
            assertTrue(show.contains("dpid:0000000000abcde0"), show);
            assertTrue(show.contains(" 3(vm-c): addr:00:00:00:00:00:00"), show);

            // Refused with the error ovs-ofctl shows: a port that does not exist.
            Process refused = ofctl.start("packet-out", "in_port=controller packet=" + hex + " actions=output:9");
            assertTrue(refused.waitFor(20, TimeUnit.SECONDS));
            String error = new String(refused.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(refused.exitValue() != 0 && error.contains("OFPBAC_BAD_OUT_PORT"), error);
            assertNull(b.take(), "nothing sent");
            assertEquals(0, sw.pmdErrors());
        }
    }

    @Test
    void monitorHearsPortStatusWhenPortsComeAndGo(@TempDir Path dir) throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(OpenFlowSwitchTest.spec("vm-a", "vm-b"), VirtualSwitch.inMemoryCounters(256));
             OpenFlowAgent agent = OpenFlowAgent.listen("127.0.0.1", 0, sw, DPID)) {
            Path out = dir.resolve("monitor.out");
            Process monitor = OvsOfctl.at(agent.port()).monitor(out);
            try {
                // Its HELLO was served once a second message is counted (one thread per connection).
                await(() -> agent.counters().messagesIn() >= 2, "ovs-ofctl monitor connects", monitor, out);
                reconfigure(sw, "vm-a", "vm-b", "vm-c"); // ctl add-port vm-c
                await(() -> read(out).contains("ADD: 3(vm-c): addr:00:00:00:00:00:00"), "PORT_STATUS ADD", monitor, out);
                reconfigure(sw, "vm-a", "vm-c"); // ctl del-port vm-b
                await(() -> read(out).contains("DEL: 2(vm-b)"), "PORT_STATUS DELETE", monitor, out);
                assertTrue(read(out).contains("OFPT_PORT_STATUS (OF1.3)"), read(out));
                assertEquals(2, agent.counters().portStatus(), read(out));
                // monitor asks for a Nicira packet-in format first; refused (BAD_EXPERIMENTER), it goes on.
                assertEquals(agent.counters().unsupported(), agent.counters().errorsSent(), read(out));
                assertEquals(0, agent.counters().malformed(), read(out));
            } finally {
                monitor.destroy();
                monitor.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A live change of the ports, as ctl add-port and del-port make it, keeping the flows. */
    private static void reconfigure(VirtualSwitch sw, String... ports) {
        sw.reconfigure(OpenFlowSwitchTest.spec(ports), next -> new OvsPipeline(next, System.nanoTime(),
                ((OvsPipeline) sw.pipeline()).controllerFlows()));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what, Process monitor, Path out)
            throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(monitor.isAlive(), "ovs-ofctl monitor ended: " + read(out));
            assertTrue(System.nanoTime() < deadline, what + "; ovs-ofctl monitor printed: " + read(out));
            Thread.sleep(10);
        }
    }
}
