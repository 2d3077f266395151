package io.virtio4j.samples.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.gateway.GatewayPort;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.samples.guest.TinyIpStack;
import io.virtio4j.spi.net.MacAddress;

/**
 * The demo's network, as data: two VPCs, VLAN 10 "office" (10.0.1.0/24, gateway 10.0.1.1) and
 * VLAN 20 "lab" (10.0.2.0/24, gateway 10.0.2.1), two guests on each, every guest on a vhost-user
 * server port of its own. The same spec a config file with four {@code [port]} and two
 * {@code [subnet]} sections gives.
 */
public final class DemoTopology {
    /** The two subnets, office first. */
    public static final List<SubnetSpec> SUBNETS = List.of(
            new SubnetSpec("office", 10, Ipv4Prefix.parse("10.0.1.0/24"), Ipv4.parse("10.0.1.1"), MacAddress.parse("02:00:00:00:01:01")),
            new SubnetSpec("lab", 20, Ipv4Prefix.parse("10.0.2.0/24"), Ipv4.parse("10.0.2.1"), MacAddress.parse("02:00:00:00:02:01")));

    /** One guest: its port name, subnet, address and MAC. */
    public record Host(String name, SubnetSpec subnet, int ip, long mac) {
        public int vlan() {
            return subnet.vlan();
        }

        /** A fresh IP stack for this guest. */
        public TinyIpStack stack() {
            return new TinyIpStack(name, mac, ip, subnet.prefix(), subnet.gateway());
        }
    }

    /** vm1 and vm2 on office, vm3 and vm4 on lab. */
    public static final List<Host> HOSTS = List.of(
            host("vm1", 0, "10.0.1.11", "02:00:00:00:10:11"),
            host("vm2", 0, "10.0.1.12", "02:00:00:00:10:12"),
            host("vm3", 1, "10.0.2.21", "02:00:00:00:20:21"),
            host("vm4", 1, "10.0.2.22", "02:00:00:00:20:22"));

    private DemoTopology() {
    }

    private static Host host(String name, int subnet, String ip, String mac) {
        return new Host(name, SUBNETS.get(subnet), Ipv4.parse(ip), MacAddress.parse(mac));
    }

    /**
     * The switch: a vhost-user server port per host with its socket in {@code socketDir}, one PMD
     * thread, and with {@code ipforward} an internal port per gateway NIC on its subnet's VLAN.
     */
    public static SwitchSpec spec(Path socketDir, L3Mode l3, List<GatewayPort> gateways) {
        List<PortSpec> ports = new ArrayList<>();
        for (Host h : HOSTS) {
            ports.add(PortSpec.access(h.name(), PortType.VHOST_USER_SERVER, socketDir.resolve(h.name() + ".sock").toString(), h.vlan()));
        }
        for (GatewayPort g : gateways) {
            ports.add(g.portSpec());
        }
        return new SwitchSpec(l3, 1, FdbSpec.DEFAULT, ports, SUBNETS, List.of(), List.of());
    }
}
