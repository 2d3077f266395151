package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.gateway.GatewayNamespace;
import io.virtio4j.ovs.metrics.CountersFilePrinter;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.ChildJvm;
import io.virtio4j.ovs.testing.ConfigDoc;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;
import io.virtio4j.vhostuser.transport.UnixListener;
import io.virtio4j.vhostuser.VhostUserFrontend;

/**
 * The daemon as {@code ./virtio4j switch --config FILE} runs it, from a config file, with
 * in-process guests on its vhost-user sockets and questions asked over its control socket.
 * Topology: VLAN 10 (office, 10.0.1.0/24) with vm1 (10.0.1.10) and vm2, which holds vm3's
 * address 10.0.2.10; VLAN 20 (lab, 10.0.2.0/24) with vm3 (10.0.2.10) and vm4, which holds vm1's
 * address 10.0.1.10. A routed ping between vm1 and vm3 must never reach the look-alikes.
 */
class SwitchDaemonEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final int ETH = 14;
    private static final int TYPE_ARP = 0x0806;
    private static final int TYPE_IPV4 = 0x0800;
    private static final long BROADCAST = 0xffff_ffff_ffffL;
    private static final long GW10_MAC = 0x0200_0000_0101L;
    private static final long GW20_MAC = 0x0200_0000_0201L;
    private static final int GW10 = Ipv4.parse("10.0.1.1");
    private static final int GW20 = Ipv4.parse("10.0.2.1");
    private static final int IP1 = Ipv4.parse("10.0.1.10");
    private static final int IP3 = Ipv4.parse("10.0.2.10");
    private static final long MAC1 = 0x5254_0000_0001L;
    private static final long MAC2 = 0x5254_0000_0002L;
    private static final long MAC3 = 0x5254_0000_0003L;
    private static final long MAC4 = 0x5254_0000_0004L;

    @TempDir
    Path dir;

    private Path config(String l3, String extraPorts) throws IOException {
        Path file = dir.resolve("switch.conf");
        StringBuilder ports = new StringBuilder();
        String[] names = {"vm1", "vm2", "vm3", "vm4"};
        int[] vlans = {10, 10, 20, 20};
        for (int i = 0; i < names.length; i++) {
            ports.append("[port ").append(names[i]).append("]\ntype = vhost-user-server\npath = ").append(names[i])
                    .append(".sock\nvlan = ").append(vlans[i]).append('\n');
        }
        Files.writeString(file, TwoVpcs.switchSection(l3) + TwoVpcs.SUBNETS + ports + extraPorts);
        return file;
    }

    private RunningDaemon startDaemon(String l3) throws Exception {
        return new RunningDaemon(config(l3, ""), dir.resolve("ctl.sock"));
    }

    private AttachedGuest guest(String name) throws InterruptedException {
        return AttachedGuest.connect(name, dir.resolve(name + ".sock"));
    }

    @Test
    void ovsOnlyRoutesAPingBetweenVlansAndCtlShowsWhatItLearned() throws Exception {
        try (RunningDaemon daemon = startDaemon("ovs-only");
             AttachedGuest vm1 = guest("vm1"); AttachedGuest vm2 = guest("vm2");
             AttachedGuest vm3 = guest("vm3"); AttachedGuest vm4 = guest("vm4")) {
            daemon.awaitConnected("vm1", "vm2", "vm3", "vm4");

            assertGatewayAnswersArp(vm1, MAC1, IP1, GW10, GW10_MAC);
            assertGatewayAnswersArp(vm3, MAC3, IP3, GW20, GW20_MAC);

            byte[] request = echo(8, MAC1, GW10_MAC, IP1, IP3, 7);
            vm1.send(request);
            assertRouted(request, vm3.await(WAIT), MAC3, GW20_MAC);
            byte[] reply = echo(0, MAC3, GW20_MAC, IP3, IP1, 7);
            vm3.send(reply);
            assertRouted(reply, vm1.await(WAIT), MAC1, GW10_MAC);

            Thread.sleep(QUIET.toMillis());
            for (AttachedGuest g : List.of(vm1, vm2, vm3, vm4)) {
                assertEquals(0, g.takeAll().size(), g.name() + ": nothing else, least of all for its look-alike address");
            }

            assertEquals(List.of("port  VLAN  MAC                Age  vtep"), daemon.ctl("fdb").subList(0, 1));
            assertEquals(List.of("vm1", "10", "52:54:00:00:00:01"), Arrays.asList(daemon.row("fdb", "vm1")).subList(0, 3));
            assertEquals(List.of("vm3", "20", "52:54:00:00:00:03"), Arrays.asList(daemon.row("fdb", "vm3")).subList(0, 3));
            assertEquals(3, daemon.ctl("fdb").size(), "vm2 and vm4 sent nothing, so they are not learned");
            assertEquals(List.of("10", "10.0.1.10", "52:54:00:00:00:01", "learned"), Arrays.asList(daemon.row("neighbours", "10")));
            assertEquals(List.of("20", "10.0.2.10", "52:54:00:00:00:03", "learned"), Arrays.asList(daemon.row("neighbours", "20")));
            assertTrue(daemon.ctl("routes").contains("  10  10.0.2.0/24  connected        20  02:00:00:00:02:01"), daemon.ctl("routes").toString());
            // ports: rx_frames rx_bytes tx_frames tx_bytes dropped device_drops (columns 7..12): an ARP and an echo each way
            // (the request as sent, 42 bytes; the switch's reply padded to the 60-byte minimum).
            assertEquals(List.of("connected", "10", "0", "2", String.valueOf(42 + request.length), "2",
                    String.valueOf(60 + reply.length), "0", "0"), Arrays.asList(daemon.row("ports", "vm1")).subList(4, 13));
            assertEquals(List.of("0", "0", "0", "0", "0", "0"), Arrays.asList(daemon.row("ports", "vm4")).subList(7, 13));
            assertEquals("4", daemon.row("pmd-stats", "0")[1], "the one PMD handled the four frames");
            assertEquals("2", daemon.row("pipeline", "arp_replies")[1]);
        }
        assertFalse(Files.exists(dir.resolve("ctl.sock")), "the control socket is removed at exit");
        assertFalse(Files.exists(dir.resolve("switch.counters")), "the counters file is removed at exit");
    }

    @Test
    void theDocumentedTwoPortConfigSwitchesUnicastBetweenItsGuests() throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, ConfigDoc.iniBlock(1));
        try (RunningDaemon daemon = new RunningDaemon(file, dir.resolve("ctl.sock"));
             AttachedGuest vm1 = guest("vm1"); AttachedGuest vm2 = guest("vm2")) {
            daemon.awaitConnected("vm1", "vm2");
            byte[] hello = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, payload(46, 1));
            vm1.send(hello);
            assertArrayEquals(hello, vm2.await(WAIT), "flooded: vm2 is not learned yet");
            byte[] answer = Frames.ethernet(MAC1, MAC2, 0, 0x88b5, payload(46, 2));
            vm2.send(answer);
            assertArrayEquals(answer, vm1.await(WAIT), "unicast to the learned vm1");
            assertEquals(List.of("vm2", "10", "52:54:00:00:00:02"), Arrays.asList(daemon.row("fdb", "vm2")).subList(0, 3));
        }
    }

    @Test
    void anotherProcessReadsTheCountersFileWhileTheSwitchRuns() throws Exception {
        try (RunningDaemon daemon = startDaemon("ovs-only"); AttachedGuest vm1 = guest("vm1")) {
            daemon.awaitConnected("vm1");
            assertGatewayAnswersArp(vm1, MAC1, IP1, GW10, GW10_MAC);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!daemon.row("ports", "vm1")[7].equals("1")) {
                assertTrue(System.nanoTime() < deadline, "the ARP request is never counted: " + daemon.ctl("ports"));
                Thread.sleep(5);
            }
            ChildJvm.Result printed = ChildJvm.run(CountersFilePrinter.class, dir.resolve("switch.counters").toString());
            assertEquals(0, printed.exitStatus(), printed.output());
            List<List<String>> rows = printed.output().lines().map(l -> List.of(l.strip().split("\\s+"))).toList();
            assertTrue(rows.contains(List.of("port:vm1", "rx_frames", "1")), printed.output());
            assertTrue(rows.contains(List.of("port:vm1", "tx_frames", "1")), "the ARP reply: " + printed.output());
        }
    }

    @Test
    void aClientPortReconnectsToAListeningGuestAfterItGoesAway() throws Exception {
        Path listening = dir.resolve("listening.sock");
        String clientPort = """
                [port vmc]
                type = vhost-user-client
                path = listening.sock
                vlan = 10
                reconnect = 50ms
                """;
        try (UnixListener listener = UnixListener.bind(listening);
             RunningDaemon daemon = new RunningDaemon(config("ovs-only", clientPort), dir.resolve("ctl.sock"));
             AttachedGuest vm1 = guest("vm1")) {
            for (int round = 0; round < 2; round++) {
                try (AttachedGuest vmc = AttachedGuest.attach("vmc", VhostUserFrontend.over(listener.accept()))) {
                    daemon.awaitConnected("vm1", "vmc");
                    byte[] flood = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, payload(46, round));
                    vm1.send(flood);
                    assertArrayEquals(flood, vmc.await(WAIT), "round " + round);
                }
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!daemon.row("ports", "vmc")[4].equals("waiting")) {
                    assertTrue(System.nanoTime() < deadline, "vmc still connected after its guest left: " + daemon.ctl("ports"));
                    Thread.sleep(5);
                }
            }
        }
    }

    @NeedsKernel
    @Test
    void ipforwardRoutesThePingThroughTheGatewayNamespacesKernel() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the TUN/TAP device");
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
        Path config = config("ipforward", "");
        String namespace = SwitchDaemon.gatewayNamespaceName(io.virtio4j.ovs.config.SwitchConfigReader.read(config));
        try (RunningDaemon daemon = new RunningDaemon(config, dir.resolve("ctl.sock"));
             AttachedGuest vm1 = guest("vm1"); AttachedGuest vm2 = guest("vm2");
             AttachedGuest vm3 = guest("vm3"); AttachedGuest vm4 = guest("vm4")) {
            daemon.awaitConnected("vm1", "vm2", "vm3", "vm4", "gw-office", "gw-lab");
            assertTrue(GatewayNamespace.exists(namespace));

            assertGatewayAnswersArp(vm1, MAC1, IP1, GW10, GW10_MAC);
            byte[] request = echo(8, MAC1, GW10_MAC, IP1, IP3, 9);
            vm1.send(request);
            assertRouted(request, awaitIpv4(vm3, MAC3, IP3), MAC3, GW20_MAC);
            assertGatewayAnswersArp(vm3, MAC3, IP3, GW20, GW20_MAC);
            byte[] reply = echo(0, MAC3, GW20_MAC, IP3, IP1, 9);
            vm3.send(reply);
            assertRouted(reply, awaitIpv4(vm1, MAC1, IP1), MAC1, GW10_MAC);

            Thread.sleep(QUIET.toMillis());
            for (AttachedGuest g : List.of(vm2, vm4)) {
                assertEquals(0, g.takeAll().stream().filter(f -> u16(f, 12) == TYPE_IPV4).count(),
                        g.name() + " never sees the ping meant for its look-alike address");
            }
            assertEquals("gw-office", daemon.row("fdb", "gw-office")[0], "the gateway NIC is an ordinary port of VLAN 10");
            assertEquals(List.of("10.0.2.0/24", "connected", "20", "10.0.2.1", "02:00:00:00:02:01", "ipforward"),
                    Arrays.asList(daemon.row("routes", "10.0.2.0/24")), "the kernel routes what the config says");
        }
        assertFalse(GatewayNamespace.exists(namespace), "stopping the daemon deletes the gateway namespace");
    }

    @Test
    void aBadConfigStopsTheDaemonMainWithFileLineAndExitTwo() throws Exception {
        Path file = config("ovs-only", "[port vm5]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n");
        ChildJvm.Result result = ChildJvm.run(SwitchDaemon.class, "--config", file.toString());
        assertEquals(SwitchDaemon.EXIT_USAGE, result.exitStatus(), result.output());
        assertTrue(result.output().startsWith("virtio4j switch: " + file + ":"), result.output());
        assertTrue(result.output().contains("vm1.sock"), result.output());
        assertFalse(Files.exists(dir.resolve("ctl.sock")), "nothing was started");
    }

    /** {@code guest} ARPs for its gateway and gets the answer with the gateway's MAC. */
    private static void assertGatewayAnswersArp(AttachedGuest guest, long mac, int ip, int gateway, long gatewayMac)
            throws InterruptedException {
        guest.send(Frames.ethernet(BROADCAST, mac, 0, TYPE_ARP, Frames.arp(1, mac, ip, 0, gateway)));
        byte[] answer = awaitType(guest, TYPE_ARP, 2);
        assertArrayEquals(Frames.ethernet(mac, gatewayMac, 0, TYPE_ARP, Frames.arp(2, gatewayMac, gateway, mac, ip)),
                Arrays.copyOf(answer, ETH + 28), guest.name() + ": ARP reply from the gateway");
    }

    /** The next ARP frame with opcode {@code op} (a kernel may also ask who we are). */
    private static byte[] awaitType(AttachedGuest guest, int type, int op) throws InterruptedException {
        while (true) {
            byte[] f = guest.await(WAIT);
            if (u16(f, 12) == type && u16(f, ETH + 6) == op) {
                return f;
            }
        }
    }

    /** The next IPv4 frame, answering the kernel's ARP requests for {@code ip} on the way as a guest stack would. */
    private static byte[] awaitIpv4(AttachedGuest guest, long mac, int ip) throws InterruptedException {
        while (true) {
            byte[] f = guest.await(WAIT);
            if (u16(f, 12) == TYPE_IPV4) {
                return f;
            }
            if (u16(f, 12) == TYPE_ARP && u16(f, ETH + 6) == 1 && ByteBuffer.wrap(f).getInt(ETH + 24) == ip) {
                long asker = Frames.mac(f, ETH + 8);
                int askerIp = ByteBuffer.wrap(f).getInt(ETH + 14);
                guest.send(Frames.ethernet(asker, mac, 0, TYPE_ARP, Frames.arp(2, mac, ip, asker, askerIp)));
            }
        }
    }

    /** {@code out} is {@code in} routed once: new MACs, TTL one less, a valid header checksum, the rest unchanged. */
    private static void assertRouted(byte[] in, byte[] out, long dstMac, long srcMac) {
        assertEquals(in.length, out.length);
        assertEquals(dstMac, Frames.mac(out, 0), "destination MAC is the next hop's");
        assertEquals(srcMac, Frames.mac(out, 6), "source MAC is the egress gateway's");
        assertEquals((in[ETH + 8] & 0xff) - 1, out[ETH + 8] & 0xff, "TTL decremented");
        assertEquals(0, Frames.internetChecksum(out, ETH, 20), "the IPv4 header checksum verifies");
        byte[] expected = in.clone();
        System.arraycopy(out, 0, expected, 0, 12);
        expected[ETH + 8] = out[ETH + 8];
        expected[ETH + 10] = out[ETH + 10];
        expected[ETH + 11] = out[ETH + 11];
        assertArrayEquals(expected, out, "nothing else changed");
    }

    /** An ICMP echo request (8) or reply (0) with 56 data bytes. */
    private static byte[] echo(int type, long src, long dst, int srcIp, int dstIp, int seq) {
        byte[] icmp = Frames.icmp(type, 0, (0x4242 << 16) | seq, payload(56, seq));
        return Frames.ethernet(dst, src, 0, TYPE_IPV4, Frames.ipv4(srcIp, dstIp, 64, 1, icmp));
    }

    private static byte[] payload(int length, int seed) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (seed * 31 + i);
        }
        return data;
    }

    private static int u16(byte[] f, int offset) {
        return ((f[offset] & 0xff) << 8) | (f[offset + 1] & 0xff);
    }
}
