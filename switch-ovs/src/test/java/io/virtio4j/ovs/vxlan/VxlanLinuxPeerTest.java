package io.virtio4j.ovs.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's first real peer: Linux's own VXLAN. Host B is a namespace with a kernel {@code vxlan}
 * device (VNI 5010) in a bridge with a veth "VM" (a namespace of its own); the underlay is a veth
 * pair between the test's namespace (host A, where the switch runs) and host B. On host A the
 * switch maps VLAN 10 to VNI 5010 and VLAN 20 to 5020, with a TAP port of VLAN 10 in a namespace
 * (guest A, the kernel answers ping) and in-process guests on VLANs 10 and 20.
 *
 * <pre>
 *  guest A ns        host A (test)                          host B ns               VM ns
 *  [tap 192.168.R.1]-[switch: tap(10) vx(10:5010,20:5020)]-uA ==veth== uB-[vx0 5010]-br0-vmp ==veth== [vm 192.168.R.2]
 *                     [g10 in-process (10)] [g20 in-process (20)]
 * </pre>
 *
 * Ping crosses both ways; tshark on the underlay decodes well-formed VXLAN (flags 0x08, VNI 5010,
 * the ICMP inside); an ARP broadcast the kernel floods reaches the VLAN-10 guest and not the
 * VLAN-20 one; the switch learns the VM's MAC on the tunnel and the port remembers it behind host B.
 */
@NeedsKernel
@NeedsPeer
class VxlanLinuxPeerTest {
    @TempDir
    Path dir;

    static String run(String... command) throws Exception {
        return run(true, command);
    }

    /** Runs {@code command}; its stderr is in the output only with {@code withErrors} (tshark warns there as root). */
    static String run(boolean withErrors, String... command) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command);
        if (withErrors) {
            b.redirectErrorStream(true);
        } else {
            b.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    static int exit(NetNs ns, String... command) throws Exception {
        Process p = ns.start(command);
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    @Test
    void linuxVxlanAndTheSwitchCarryOneVpcBothWays() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the tun driver (modprobe tun)");
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
        Prerequisites.requireExecutable("ping", "apt-get install iputils-ping");
        Prerequisites.requireExecutable("tshark", "apt-get install tshark");
        Prerequisites.requireExecutable("ethtool", "apt-get install ethtool");
        Prerequisites.requireExecutable("python3", "apt-get install python3");
        int id = (int) (ProcessHandle.current().pid() % 10000) * 10 + ThreadLocalRandom.current().nextInt(10);
        String uA = "v4jxa" + id;
        String uB = "v4jxb" + id;
        String tap = "v4jxt" + id;
        int r1 = 64 + ThreadLocalRandom.current().nextInt(64);
        int r2 = ThreadLocalRandom.current().nextInt(64) * 4;
        String hostA = "100." + r1 + "." + r2 / 4 + "." + (r2 % 256 + 1);
        String hostB = "100." + r1 + "." + r2 / 4 + "." + (r2 % 256 + 2);
        String overlay = "192.168." + (100 + ThreadLocalRandom.current().nextInt(100)) + ".";
        String guestAIp = overlay + "1";
        String vmIp = overlay + "2";

        run("ip", "link", "add", uA, "type", "veth", "peer", "name", uB);
        try (NetNs hostBNs = NetNs.create(); NetNs vm = NetNs.create(); NetNs guestA = NetNs.create()) {
            run("ip", "addr", "add", hostA + "/30", "dev", uA);
            run("ip", "link", "set", uA, "up");
            hostBNs.configure(uB, hostB + "/30");
            hostBNs.exec("ip", "link", "add", "vx0", "type", "vxlan", "id", "5010", "dstport", "4789",
                    "local", hostB, "remote", hostA, "dev", uB);
            hostBNs.exec("ip", "link", "add", "br0", "type", "bridge");
            hostBNs.exec("ip", "link", "set", "vx0", "master", "br0");
            hostBNs.exec("ip", "link", "add", "vmp", "type", "veth", "peer", "name", "vm");
            hostBNs.exec("ip", "link", "set", "vmp", "master", "br0");
            hostBNs.exec("ip", "link", "set", "vm", "netns", vm.name());
            for (String link : List.of("vx0", "vmp", "br0")) {
                hostBNs.exec("ip", "link", "set", link, "up");
            }
            vm.exec("ip", "addr", "add", vmIp + "/24", "dev", "vm");
            vm.exec("ip", "link", "set", "vm", "mtu", "1450", "up");
            // A veth passes a TCP segment to its peer with the checksum still to be filled in (checksum
            // offload: a real NIC fills it on the wire). Across the tunnel into our user-space socket
            // nobody would; make the VM's kernel and host B's underlay fill in checksums as a host with
            // a real NIC effectively does.
            vm.exec("ethtool", "-K", "vm", "tx", "off");
            hostBNs.exec("ethtool", "-K", uB, "tx", "off");

            VxlanSpec vx = new VxlanSpec(Ipv4.parse(hostA), 4789, Map.of(10, 5010, 20, 5020), List.of(Ipv4.parse(hostB)), 1500);
            List<PortSpec> ports = List.of(PortSpec.vxlan("vx", vx, -1), PortSpec.access("t", PortType.TAP, tap, 10),
                    PortSpec.access("g10", PortType.IN_PROCESS, "g10", 10), PortSpec.access("g20", PortType.IN_PROCESS, "g20", 20));
            SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
            OvsPipeline pipeline = new OvsPipeline(spec, System.nanoTime());
            try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(pipeline).start()) {
                guestA.configure(tap, guestAIp + "/24");
                guestA.exec("ip", "link", "set", tap, "mtu", "1450");
                Path capture = dir.resolve("underlay.pcap");
                Process tshark = new ProcessBuilder("tshark", "-i", uA, "-f", "udp port 4789", "-w", capture.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("tshark.log").toFile()).start();
                try {
                    awaitCapturing(dir.resolve("tshark.log"));
                    // "Capturing on" comes a moment before the capture filter is attached.
                    Thread.sleep(500);
                    assertEquals(0, exit(vm, "ping", "-c", "3", "-i", "0.2", "-W", "3", guestAIp),
                            "the VM behind Linux's vxlan pings guest A behind our switch");
                    assertEquals(0, exit(guestA, "ping", "-c", "3", "-i", "0.2", "-W", "3", vmIp),
                            "guest A pings the VM");
                    // TCP both ways: 1 MB echoed, so full-size segments (MSS of the 1450 MTU) cross the tunnel.
                    assertEquals("1048576", tcpEcho(vm, guestA, vmIp), "guest A's client, the VM's echo server");
                    assertEquals("1048576", tcpEcho(guestA, vm, guestAIp), "the VM's client, guest A's echo server");
                    // A broadcast the kernel floods over VNI 5010: ARP for an address nobody has.
                    drain(sw.inProcessPort("g10"));
                    drain(sw.inProcessPort("g20"));
                    exit(vm, "ping", "-c", "1", "-W", "1", overlay + "99");
                    List<byte[]> at10 = drain(sw.inProcessPort("g10"));
                    List<byte[]> at20 = drain(sw.inProcessPort("g20"));
                    assertTrue(at10.stream().anyMatch(f -> isArpFor(f, Ipv4.parse(overlay + "99"))),
                            "the VLAN-10 guest got the kernel's flooded ARP request; it got " + at10.size() + " frames");
                    assertEquals(0, at20.size(), "nothing of VNI 5010 reached the VLAN-20 guest");
                } finally {
                    // dumpcap writes in blocks: give it time to write the last replies before it is stopped.
                    Thread.sleep(1500);
                    tshark.destroy();
                    tshark.waitFor(10, TimeUnit.SECONDS);
                }
                String decoded = run(false, "tshark", "-r", capture.toString(), "-Y", "vxlan && icmp", "-T", "fields",
                        "-e", "vxlan.flags", "-e", "vxlan.vni", "-e", "icmp.type", "-e", "udp.dstport", "-e", "ip.src");
                List<String> lines = decoded.lines().filter(l -> !l.isBlank()).toList();
                // 12 echo packets crossed; the capture may start or stop a packet late on a busy machine.
                assertTrue(lines.size() >= 8, "tshark decoded the ICMP packets inside VXLAN on the underlay:\n" + decoded);
                // ip.src lists the outer source, then the inner one.
                assertTrue(lines.stream().anyMatch(l -> l.contains("\t" + hostA + ",")), "our switch's datagrams are among them:\n"
                        + decoded);
                assertTrue(lines.stream().anyMatch(l -> l.contains("\t" + hostB + ",")), "and Linux's:\n" + decoded);
                for (String line : lines) {
                    String[] f = line.split("\t");
                    assertEquals("0x0800", f[0], "flags: only I set: " + line);
                    assertEquals("5010", f[1], line);
                    assertEquals("4789", f[3], line);
                }
                String malformed = run(false, "tshark", "-r", capture.toString(), "-Y", "_ws.malformed || _ws.expert.severity >= error");
                assertTrue(malformed.isBlank(), "tshark found nothing malformed:\n" + malformed);

                VxlanPort port = sw.vxlanPort("vx");
                Vtep b = port.vteps().find(Ipv4.parse(hostB));
                assertTrue(b.rxFrames() >= 7 && b.txFrames() >= 6, "per-VTEP counters: rx " + b.rxFrames() + " tx " + b.txFrames());
                long vmMac = Long.parseUnsignedLong(vm.mac("vm").replace(":", ""), 16);
                assertTrue(port.remoteMacs().stream().anyMatch(e -> e.mac() == vmMac && e.vlan() == 10 && e.port() == b.slot()),
                        "the port remembers the VM's MAC behind host B: " + port.remoteMacs());
                int vxIndex = 0;
                assertTrue(pipeline.fdb().stream().anyMatch(e -> e.mac() == vmMac && e.port() == vxIndex),
                        "the switch learned the VM's MAC on the tunnel port");
                assertEquals(0, sw.pmdErrors());
            }
        } finally {
            try {
                run("ip", "link", "del", uA);
            } catch (IllegalStateException gone) {
                // Deleting host B's namespace took the pair with it.
            }
        }
    }

    private static final String ECHO_SERVER = "import socket\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('0.0.0.0', 5201)); s.listen(1); print('listening', flush=True)\n"
            + "c, _ = s.accept()\n"
            + "while True:\n"
            + "    d = c.recv(65536)\n"
            + "    if not d: break\n"
            + "    c.sendall(d)\n"
            + "c.close()\n";
    private static final String ECHO_CLIENT = "import socket, sys, threading\n"
            + "data = bytes(i * 7 % 251 for i in range(1 << 20))\n"
            + "c = socket.create_connection((sys.argv[1], 5201), timeout=20)\n"
            + "t = threading.Thread(target=lambda: (c.sendall(data), c.shutdown(socket.SHUT_WR))); t.start()\n"
            + "got = bytearray()\n"
            + "while True:\n"
            + "    d = c.recv(65536)\n"
            + "    if not d: break\n"
            + "    got += d\n"
            + "t.join(); print(len(got) if bytes(got) == data else 'corrupt %d' % len(got))\n";

    /** A 1 MB TCP echo: a server in {@code server}, a client in {@code client} to {@code serverIp}; the client's verdict. */
    static String tcpEcho(NetNs server, NetNs client, String serverIp) throws Exception {
        Process echo = server.start("python3", "-u", "-c", ECHO_SERVER);
        try {
            assertEquals("listening", NetNs.readLine(echo));
            Process c = client.start("python3", "-u", "-c", ECHO_CLIENT, serverIp);
            return NetNs.await(c, 60).strip();
        } finally {
            echo.destroy();
            echo.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitCapturing(Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("Capturing on")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("tshark did not start capturing: " + (Files.exists(log) ? Files.readString(log) : ""));
    }

    static List<byte[]> drain(InProcessPort port) throws InterruptedException {
        Thread.sleep(300);
        List<byte[]> out = new ArrayList<>();
        for (byte[] f = port.take(); f != null; f = port.take()) {
            out.add(f);
        }
        return out;
    }

    static boolean isArpFor(byte[] f, int ip) {
        if (f.length < 42 || (f[12] & 0xff) != 0x08 || (f[13] & 0xff) != 0x06) {
            return false;
        }
        int target = ((f[38] & 0xff) << 24) | ((f[39] & 0xff) << 16) | ((f[40] & 0xff) << 8) | (f[41] & 0xff);
        return (f[0] & 0xff) == 0xff && target == ip;
    }
}
