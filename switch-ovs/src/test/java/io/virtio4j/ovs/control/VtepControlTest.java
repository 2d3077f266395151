package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.virtio4j.ovs.testing.MiniJson;
import io.virtio4j.ovs.testing.TwoVpcs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running daemon's VXLAN controls over its socket: {@code vteps} counts a VTEP's traffic and the
 * MACs behind it, {@code fdb} names the VTEP of a remote MAC, {@code add-vtep}/{@code del-vtep}
 * change the VTEPs live and in the config file, the port's drops reach {@code refusals} and its
 * per-VTEP counters the counters file. The underlay is loopback (127.x.y.*, from the pid).
 */
class VtepControlTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final String net = "127." + (ProcessHandle.current().pid() % 200 + 20) + "." + (int) (Math.random() * 250) + ".";

    private static byte[] datagram(long source) {
        byte[] p = new byte[8 + 60];
        p[0] = 0x08;
        p[4] = (byte) (5010 >>> 16);
        p[5] = (byte) (5010 >>> 8);
        p[6] = (byte) 5010;
        for (int i = 8; i < 14; i++) {
            p[i] = (byte) 0xff;
        }
        for (int i = 0; i < 6; i++) {
            p[14 + i] = (byte) (source >>> (40 - 8 * i));
        }
        // The local experimental ethertype: a frame the switch floods and learns from without parsing further.
        p[20] = (byte) 0x88;
        p[21] = (byte) 0xb5;
        return p;
    }

    private void send(String from, byte[] payload) throws Exception {
        try (DatagramChannel c = DatagramChannel.open()) {
            c.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            c.send(ByteBuffer.wrap(payload), new InetSocketAddress(InetAddress.getByName(net + "1"), 4789));
        }
    }

    private static void await(RunningDaemon d, String command, java.util.function.Predicate<List<String>> ok) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!ok.test(d.ctl(command))) {
            assertTrue(System.nanoTime() < deadline, "ctl " + command + " never showed it: " + d.ctl(command));
            Thread.sleep(20);
        }
    }

    /** The {@code vteps} row of the VTEP at {@code address}. */
    private static String[] vtepRow(RunningDaemon d, String address) {
        return d.ctl("vteps").stream().map(l -> l.trim().split("\\s+")).filter(c -> c.length > 1 && c[1].equals(address))
                .findFirst().orElseThrow(() -> new AssertionError("no VTEP " + address + " in ctl vteps: " + d.ctl("vteps")));
    }

    @Test
    void vtepsAreShownCountedAndChangedLive() throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection("none")
                + "[port vx]\ntype = vxlan\nlocal = " + net + "1\nvni = 10:5010\nremote = " + net + "2\n"
                + "[port g]\ntype = in-process\nvlan = 10\n");
        try (RunningDaemon d = new RunningDaemon(file, dir.resolve("ctl.sock"))) {
            String[] row = d.row("vteps", "vx");
            assertEquals(List.of("vx", net + "2", "0", "0", "0", "0", "0", "all"), List.of(row));

            send(net + "2", datagram(0x02_00_00_00_0b_01L));
            await(d, "vteps", lines -> lines.stream().anyMatch(l -> l.trim().matches("vx\\s+" + net.replace(".", "\\.")
                    + "2\\s+1\\s+60\\s+0\\s+0\\s+1\\s+all")));
            String[] fdb = d.row("fdb", "vx");
            assertEquals("02:00:00:00:0b:01", fdb[2]);
            assertEquals(net + "2", fdb[4], "fdb names the VTEP the MAC sits behind");

            send(net + "7", datagram(0x02_00_00_00_0b_02L));
            await(d, "refusals", lines -> lines.stream().anyMatch(l -> l.trim().matches("vx\\s+vxlan_unknown_vtep\\s+1")));
            await(d, "counters", lines -> lines.stream().anyMatch(l -> l.contains("vtep:vx:" + net + "2") && l.contains("rx_frames")));

            assertTrue(d.ctl("add-vtep vx " + net + "3").toString().contains("VTEPs"), d.ctl("vteps").toString());
            assertEquals(3, d.ctl("vteps").size(), "header and two VTEPs");
            assertTrue(Files.readString(file).matches("(?s).*remote ?= ?" + net.replace(".", "\\.") + "2, ?"
                    + net.replace(".", "\\.") + "3\n.*"), Files.readString(file));

            // A VTEP limited to some VNIs: added so, shown so, saved so; a VNI the port lacks is refused with the fix.
            d.ctl("add-vtep vx " + net + "5 vni=5010");
            assertEquals("5010", vtepRow(d, net + "5")[7]);
            assertTrue(Files.readString(file).contains(net + "5,vni=5010"), Files.readString(file));
            // For scripts: the same rows as JSON, every documented field, the remote MAC's VTEP in fdb's.
            List<String> json = d.ctl("vteps --json");
            assertEquals(1, json.size(), json.toString());
            List<?> rows = (List<?>) MiniJson.parse(json.get(0));
            assertEquals(3, rows.size(), "a row per VTEP: " + json);
            Map<?, ?> first = (Map<?, ?>) rows.get(0);
            assertEquals(List.of("port", "vtep", "rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "macs", "vnis"),
                    List.copyOf(first.keySet()));
            assertEquals(net + "2", first.get("vtep"));
            assertEquals("1", String.valueOf(first.get("rx_frames")).replace(".0", ""));
            assertEquals("all", first.get("vnis"));
            assertEquals("5010", String.valueOf(((Map<?, ?>) rows.get(2)).get("vnis")).replace(".0", ""));
            List<?> fdbRows = (List<?>) MiniJson.parse(d.ctl("fdb --json").get(0));
            assertTrue(fdbRows.stream().map(r -> (Map<?, ?>) r).anyMatch(r -> "02:00:00:00:0b:01".equals(r.get("mac"))
                    && (net + "2").equals(r.get("vtep"))), "fdb --json names the VTEP: " + fdbRows);
            ControlReply unmapped = ControlClient.send(dir.resolve("ctl.sock"), "add-vtep vx " + net + "3 vni=5010,6000", TIMEOUT);
            assertFalse(unmapped.ok());
            assertTrue(unmapped.error().contains("is given VNI '6000', which vni does not map; give it VNIs of [5010]"),
                    unmapped.error());
            ControlReply notVnis = ControlClient.send(dir.resolve("ctl.sock"), "add-vtep vx " + net + "3 5010", TIMEOUT);
            assertFalse(notVnis.ok());
            assertTrue(notVnis.error().contains("'5010' is not vni=VNI,...; write add-vtep vx " + net + "3 vni=5010,5020"),
                    notVnis.error());
            assertEquals("all", vtepRow(d, net + "3")[7], "a refused change changes nothing");
            d.ctl("del-vtep vx " + net + "5");
            d.ctl("del-vtep vx " + net + "2");
            assertEquals(List.of("vx", net + "3", "0", "0", "0", "0", "0", "all"), List.of(d.row("vteps", "vx")));
            assertEquals("-", d.row("fdb", "vx")[4], "the MAC behind the removed VTEP is no longer placed");
            d.ctl("del-vtep vx " + net + "3");
            assertEquals(1, d.ctl("vteps").size(), "no VTEP left");
            assertTrue(Files.readString(file).matches("(?s).*remote ?= ?none.*"), Files.readString(file));

            ControlReply notVxlan = ControlClient.send(dir.resolve("ctl.sock"), "add-vtep g " + net + "4", TIMEOUT);
            assertFalse(notVxlan.ok());
            assertTrue(notVxlan.error().contains("is a in-process port, not vxlan"), notVxlan.error());
            ControlReply missing = ControlClient.send(dir.resolve("ctl.sock"), "del-vtep vx " + net + "9", TIMEOUT);
            assertFalse(missing.ok());
            assertTrue(missing.error().contains("has no VTEP"), missing.error());
        }
    }
}
