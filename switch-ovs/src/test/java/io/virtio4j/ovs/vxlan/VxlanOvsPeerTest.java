package io.virtio4j.ovs.vxlan;

import static io.virtio4j.ovs.vxlan.VxlanLinuxPeerTest.drain;
import static io.virtio4j.ovs.vxlan.VxlanLinuxPeerTest.exit;
import static io.virtio4j.ovs.vxlan.VxlanLinuxPeerTest.isArpFor;
import static io.virtio4j.ovs.vxlan.VxlanLinuxPeerTest.run;
import static io.virtio4j.ovs.vxlan.VxlanLinuxPeerTest.tcpEcho;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's third peer: Open vSwitch's userspace datapath ({@code datapath_type=netdev}, since
 * this kernel has no OVS module) as host C, in a namespace of its own with a private ovsdb-server
 * and ovs-vswitchd: {@code br-phy} owns the underlay veth and the host's underlay address (OVS's
 * userspace tunnelling routes and ARPs through it), {@code br-int} has a {@code vxlan} port (key
 * 5010) and a veth "VM". On host A the switch is as in {@link VxlanLinuxPeerTest}. Ping and a 1 MB
 * TCP echo cross both ways; a broadcast OVS floods reaches only the VLAN-10 guest.
 */
@NeedsKernel
@NeedsPeer
class VxlanOvsPeerTest {
    @TempDir
    Path dir;

    @Test
    void openVswitchAndTheSwitchCarryOneVpcBothWays() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the tun driver (modprobe tun)");
        for (String tool : List.of("ip", "ping", "ethtool", "python3")) {
            Prerequisites.requireExecutable(tool, "apt-get install iproute2 iputils-ping ethtool python3");
        }
        for (String tool : List.of("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl")) {
            Prerequisites.requireExecutable(tool, "apt-get install openvswitch-switch");
        }
        int id = (int) (ProcessHandle.current().pid() % 10000) * 10 + ThreadLocalRandom.current().nextInt(10);
        String uA = "v4joa" + id;
        String uC = "v4joc" + id;
        String tap = "v4jot" + id;
        int r1 = 64 + ThreadLocalRandom.current().nextInt(64);
        int r2 = ThreadLocalRandom.current().nextInt(64) * 4;
        String hostA = "100." + r1 + "." + r2 / 4 + "." + (r2 % 256 + 1);
        String hostC = "100." + r1 + "." + r2 / 4 + "." + (r2 % 256 + 2);
        String overlay = "192.168." + (100 + ThreadLocalRandom.current().nextInt(100)) + ".";
        String guestAIp = overlay + "1";
        String vmIp = overlay + "2";
        String ovs = dir.toString();

        run("ip", "link", "add", uA, "type", "veth", "peer", "name", uC);
        try (NetNs hostCNs = NetNs.create(); NetNs vm = NetNs.create(); NetNs guestA = NetNs.create()) {
            run("ip", "addr", "add", hostA + "/30", "dev", uA);
            run("ip", "link", "set", uA, "up");
            // Our datagrams' UDP checksum is left for the veth to fill in (offload), which it never does; OVS reads
            // the underlay by AF_PACKET and checks it (netdev-native-tnl), so the kernel must fill it in here.
            run("ethtool", "-K", uA, "tx", "off");
            hostCNs.moveLink(uC);
            try {
                hostCNs.exec("bash", "-ec", String.join("\n",
                        "ip link set " + uC + " up",
                        "ethtool -K " + uC + " tx off >/dev/null",
                        "ovsdb-tool create " + ovs + "/conf.db /usr/share/openvswitch/vswitch.ovsschema",
                        "ovsdb-server --remote=punix:" + ovs + "/db.sock --pidfile=" + ovs + "/db.pid --detach --log-file="
                                + ovs + "/db.log --unixctl=" + ovs + "/db.ctl " + ovs + "/conf.db",
                        "V='ovs-vsctl --timeout=20 --db=unix:" + ovs + "/db.sock'",
                        "$V --no-wait init",
                        "OVS_RUNDIR=" + ovs + " ovs-vswitchd unix:" + ovs + "/db.sock --pidfile=" + ovs + "/vs.pid --detach"
                                + " --log-file=" + ovs + "/vs.log --unixctl=" + ovs + "/vs.ctl",
                        "$V add-br br-phy -- set bridge br-phy datapath_type=netdev",
                        "$V add-port br-phy " + uC,
                        "ip addr add " + hostC + "/30 dev br-phy",
                        "ip link set br-phy up",
                        "$V add-br br-int -- set bridge br-int datapath_type=netdev",
                        "$V add-port br-int vx -- set interface vx type=vxlan options:remote_ip=" + hostA
                                + " options:local_ip=" + hostC + " options:key=5010",
                        "ip link add vmp type veth peer name vm",
                        "ip link set vm netns " + vm.name(),
                        "ip link set vmp up",
                        "$V add-port br-int vmp"));
                vm.exec("ip", "addr", "add", vmIp + "/24", "dev", "vm");
                vm.exec("ip", "link", "set", "vm", "mtu", "1450", "up");
                vm.exec("ethtool", "-K", "vm", "tx", "off");

                VxlanSpec vx = new VxlanSpec(Ipv4.parse(hostA), 4789, Map.of(10, 5010, 20, 5020), List.of(Ipv4.parse(hostC)), 1500);
                List<PortSpec> ports = List.of(PortSpec.vxlan("vx", vx, -1), PortSpec.access("t", PortType.TAP, tap, 10),
                        PortSpec.access("g10", PortType.IN_PROCESS, "g10", 10),
                        PortSpec.access("g20", PortType.IN_PROCESS, "g20", 20));
                SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
                try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).start()) {
                    guestA.configure(tap, guestAIp + "/24");
                    guestA.exec("ip", "link", "set", tap, "mtu", "1450");
                    // OVS resolves the tunnel's next hop by ARP through br-phy first: allow the first pings to go.
                    exit(vm, "ping", "-c", "5", "-i", "0.5", "-W", "1", guestAIp);
                    assertEquals(0, exit(vm, "ping", "-c", "3", "-i", "0.2", "-W", "3", guestAIp),
                            "the VM behind OVS pings guest A behind our switch\n" + diagnose(sw, hostCNs, ovs));
                    assertEquals(0, exit(guestA, "ping", "-c", "3", "-i", "0.2", "-W", "3", vmIp), "guest A pings the VM");
                    assertEquals("1048576", tcpEcho(vm, guestA, vmIp), "guest A's client, the VM's echo server");
                    assertEquals("1048576", tcpEcho(guestA, vm, guestAIp), "the VM's client, guest A's echo server");
                    drain(sw.inProcessPort("g10"));
                    drain(sw.inProcessPort("g20"));
                    exit(vm, "ping", "-c", "1", "-W", "1", overlay + "99");
                    List<byte[]> at10 = drain(sw.inProcessPort("g10"));
                    assertTrue(at10.stream().anyMatch(f -> isArpFor(f, Ipv4.parse(overlay + "99"))),
                            "the VLAN-10 guest got OVS's flooded ARP request");
                    assertEquals(0, drain(sw.inProcessPort("g20")).size(), "nothing of VNI 5010 reached the VLAN-20 guest");
                    Vtep c = sw.vxlanPort("vx").vteps().find(Ipv4.parse(hostC));
                    assertTrue(c.rxFrames() > 0 && c.txFrames() > 0, "rx " + c.rxFrames() + " tx " + c.txFrames());
                    assertEquals(0, sw.vxlanPort("vx").deviceDrops(), "OVS sent nothing the port refused");
                    assertEquals(0, sw.pmdErrors());
                }
            } finally {
                stopOvs(hostCNs, ovs);
            }
        } finally {
            try {
                run("ip", "link", "del", uA);
            } catch (IllegalStateException gone) {
                // Deleting host C's namespace took the pair with it.
            }
        }
    }

    /** What each side saw, for a failure message: our VTEP's counters and drops, OVS's tunnel neighbours and flows. */
    private static String diagnose(VirtualSwitch sw, NetNs ns, String ovs) {
        StringBuilder out = new StringBuilder();
        VxlanPort port = sw.vxlanPort("vx");
        for (int i = 0; i < port.vteps().size(); i++) {
            Vtep v = port.vteps().get(i);
            out.append("VTEP ").append(v).append(": rx ").append(v.rxFrames()).append(" tx ").append(v.txFrames()).append('\n');
        }
        for (VxlanDrop d : VxlanDrop.values()) {
            out.append(d.label()).append('=').append(port.drops().count(d)).append(' ');
        }
        for (String command : List.of("tnl/neigh/show", "ovs/route/show", "dpctl/dump-flows", "tnl/ports/show")) {
            try {
                out.append("\n$ ovs-appctl ").append(command).append('\n').append(ns.exec("ovs-appctl", "-t", ovs + "/vs.ctl", command));
            } catch (RuntimeException e) {
                out.append(e.getMessage());
            }
        }
        return out.append('\n').append(ovsLog(ovs)).toString();
    }

    private static String ovsLog(String ovs) {
        try {
            return java.nio.file.Files.readString(Path.of(ovs, "vs.log"));
        } catch (java.io.IOException e) {
            return "(no vs.log: " + e.getMessage() + ")";
        }
    }

    /** Stops this test's ovs-vswitchd and ovsdb-server by their own control sockets (never by name). */
    private static void stopOvs(NetNs ns, String ovs) {
        for (String ctl : List.of("vs.ctl", "db.ctl")) {
            try {
                ns.exec("ovs-appctl", "-t", ovs + "/" + ctl, "exit");
            } catch (RuntimeException notRunning) {
                // Never started (the setup failed before it).
            }
        }
    }
}
