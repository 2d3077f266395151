package io.virtio4j.ovs.config;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code [subnet]}, {@code [route]} and {@code [neighbour]} sections and checks them against
 * each other: subnets must not overlap or share a VLAN, a gateway lies inside its subnet, a route's
 * next hop and a neighbour lie in a subnet. Errors that involve two sections name both lines.
 * The caller reads every subnet before any route or neighbour, wherever they are in the file.
 */
final class L3SectionReader {
    static final List<String> SUBNET_KEYS = List.of("prefix", "vlan", "gateway", "gateway-mac");
    static final List<String> ROUTE_KEYS = List.of("destination", "via", "vlan");
    static final List<String> NEIGHBOUR_KEYS = List.of("ip", "mac", "vlan");

    private record Located<T>(T value, int line) {
    }

    private final String file;
    private final List<Located<SubnetSpec>> subnets = new ArrayList<>();
    private final List<RouteSpec> routes = new ArrayList<>();
    private final List<NeighbourSpec> neighbours = new ArrayList<>();
    /** "vlan/destination" and "vlan/ip" already configured, with their lines. */
    private final Map<String, Integer> routeKeys = new HashMap<>();
    private final Map<String, Integer> neighbourKeys = new HashMap<>();

    L3SectionReader(String file) {
        this.file = file;
    }

    void readSubnet(IniSection section) {
        SectionReader r = new SectionReader(file, section, SUBNET_KEYS);
        checkName(r, section);
        IniEntry prefixEntry = r.required("prefix", "10.0.1.0/24");
        Ipv4Prefix prefix = r.prefix(prefixEntry);
        int vlan = r.vlan(r.required("vlan", "10"));
        IniEntry gatewayEntry = r.required("gateway", Ipv4.format(prefix.address() + 1));
        int gateway = r.ipv4(gatewayEntry);
        long mac = r.unicastMac(r.required("gateway-mac", "02:00:00:00:00:01"));
        if (!prefix.contains(gateway)) {
            throw r.error(gatewayEntry, "gateway " + gatewayEntry.value() + " is outside the subnet " + prefix
                    + "; pick an address inside it, e.g. " + Ipv4.format(prefix.address() + 1));
        }
        if (prefix.length() <= 30 && (gateway == prefix.address() || gateway == (prefix.address() | ~prefix.mask()))) {
            throw r.error(gatewayEntry, "gateway " + gatewayEntry.value() + " is the network or broadcast address of "
                    + prefix + "; pick a host address, e.g. " + Ipv4.format(prefix.address() + 1));
        }
        for (Located<SubnetSpec> other : subnets) {
            SubnetSpec o = other.value();
            if (o.prefix().overlaps(prefix)) {
                throw r.error(prefixEntry, "subnet " + section.name() + " (" + prefix + ") overlaps subnet " + o.name()
                        + " (" + o.prefix() + ", line " + other.line() + "); subnets must not share addresses");
            }
            if (o.vlan() == vlan) {
                throw r.error(section.entries().get("vlan"), "subnet " + section.name() + " is on VLAN " + vlan
                        + " like subnet " + o.name() + " (line " + other.line() + "); give each subnet its own VLAN");
            }
        }
        subnets.add(new Located<>(new SubnetSpec(section.name(), vlan, prefix, gateway, mac), section.line()));
    }

    void readRoute(IniSection section) {
        SectionReader r = new SectionReader(file, section, ROUTE_KEYS);
        checkName(r, section);
        Ipv4Prefix destination = r.prefix(r.required("destination", "192.168.0.0/16"));
        IniEntry viaEntry = r.required("via", "10.0.1.254");
        int via = r.ipv4(viaEntry);
        int vlan = 0;
        if (r.has("vlan")) {
            IniEntry vlanEntry = section.entries().get("vlan");
            vlan = r.vlan(vlanEntry);
            if (subnetOnVlan(vlan) == null) {
                throw r.error(vlanEntry, "route " + section.name() + " applies to VLAN " + vlan + ", which has no [subnet]"
                        + " (routed traffic enters from a subnet); use a subnet's VLAN or leave vlan out for all");
            }
        }
        Located<SubnetSpec> egress = subnetContaining(via);
        if (egress == null) {
            throw r.error(viaEntry, "route " + section.name() + ": next hop " + viaEntry.value() + " is in no subnet ("
                    + subnetList() + "); the next hop must be on a connected subnet");
        }
        if (egress.value().gateway() == via) {
            throw r.error(viaEntry, "route " + section.name() + ": next hop " + viaEntry.value()
                    + " is the switch's own gateway address of subnet " + egress.value().name() + "; use the router behind it");
        }
        Integer first = routeKeys.putIfAbsent(vlan + "/" + destination, section.line());
        if (first != null) {
            throw r.error("route " + section.name() + " repeats the destination " + destination
                    + (vlan == 0 ? "" : " on VLAN " + vlan) + " of the route on line " + first + "; keep one");
        }
        routes.add(new RouteSpec(vlan, destination, via));
    }

    void readNeighbour(IniSection section) {
        SectionReader r = new SectionReader(file, section, NEIGHBOUR_KEYS);
        checkName(r, section);
        IniEntry ipEntry = r.required("ip", "10.0.1.254");
        int ip = r.ipv4(ipEntry);
        long mac = r.unicastMac(r.required("mac", "02:00:00:00:01:fe"));
        IniEntry vlanEntry = r.required("vlan", "10");
        int vlan = r.vlan(vlanEntry);
        Located<SubnetSpec> subnet = subnetOnVlan(vlan);
        if (subnet == null) {
            throw r.error(vlanEntry, "neighbour " + section.name() + " is on VLAN " + vlan
                    + ", which has no [subnet]; neighbours are next hops of routed traffic, so add the subnet first");
        }
        if (!subnet.value().prefix().contains(ip)) {
            throw r.error(ipEntry, "neighbour " + section.name() + ": " + ipEntry.value() + " is not in subnet "
                    + subnet.value().name() + " (" + subnet.value().prefix() + ", line " + subnet.line() + ") of VLAN " + vlan);
        }
        Integer first = neighbourKeys.putIfAbsent(vlan + "/" + ip, section.line());
        if (first != null) {
            throw r.error(ipEntry, "neighbour " + section.name() + " repeats " + ipEntry.value() + " on VLAN " + vlan
                    + " of the neighbour on line " + first + "; keep one");
        }
        neighbours.add(new NeighbourSpec(vlan, ip, mac));
    }

    List<SubnetSpec> subnets() {
        return subnets.stream().map(Located::value).toList();
    }

    List<RouteSpec> routes() {
        return List.copyOf(routes);
    }

    List<NeighbourSpec> neighbours() {
        return List.copyOf(neighbours);
    }

    boolean hasSubnetOn(int vlan) {
        return subnetOnVlan(vlan) != null;
    }

    private Located<SubnetSpec> subnetOnVlan(int vlan) {
        return subnets.stream().filter(s -> s.value().vlan() == vlan).findFirst().orElse(null);
    }

    private Located<SubnetSpec> subnetContaining(int ip) {
        return subnets.stream().filter(s -> s.value().prefix().contains(ip)).findFirst().orElse(null);
    }

    private String subnetList() {
        if (subnets.isEmpty()) {
            return "no [subnet] is defined";
        }
        StringBuilder sb = new StringBuilder("subnets: ");
        for (Located<SubnetSpec> s : subnets) {
            sb.append(sb.length() > 9 ? ", " : "").append(s.value().name()).append(' ').append(s.value().prefix());
        }
        return sb.toString();
    }

    private static void checkName(SectionReader r, IniSection section) {
        if (!SectionReader.isValidName(section.name())) {
            throw r.error(section.title() + " needs a name of letters, digits, '_', '.', '-' (1..32 characters), like ["
                    + section.kind() + " office]");
        }
    }
}
