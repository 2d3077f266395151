package io.virtio4j.ovs.gateway;

import io.virtio4j.api.platform.LinuxPlatform;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.TapException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel half of the {@code ipforward} L3 strategy (seed 5.1): a network namespace with one
 * gateway NIC per subnet and IPv4 forwarding on in that namespace only. The switch sends a
 * subnet's routed traffic to its gateway NIC; the namespace's kernel routes it, rewrites the MACs,
 * decrements the TTL and sends it out of the egress subnet's NIC, back into the switch.
 *
 * <p>Each NIC is a TAP this process opens (so it holds the fd and reads/writes frames itself)
 * under a temporary name in the current namespace, then moves into the gateway namespace, renames
 * to {@code gwN-SUBNET}, gives the subnet's gateway MAC and address, and brings up. IPv6 is off
 * in the namespace: the gateway routes IPv4, and router solicitations would only add noise to the
 * subnets. {@link #close()} closes the TAPs (a non-persistent TAP disappears with its last fd) and
 * deletes the namespace. A failure part way undoes what was done.
 */
public final class GatewayNamespace implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayNamespace.class);
    private static final AtomicInteger TEMP_NAMES = new AtomicInteger();
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final int MAX_IFNAME = 15;
    /** Routing tables 1001..5094 hold the routes of one ingress VLAN each (1000 + VLAN; main is 254). */
    public static final int VLAN_TABLE_BASE = 1000;

    private final String name;
    private final List<GatewayPort> ports;
    private boolean closed;

    private GatewayNamespace(String name, List<GatewayPort> ports) {
        this.name = name;
        this.ports = List.copyOf(ports);
    }

    /** Creates namespace {@code name} with a gateway NIC for each of {@code subnets}; needs CAP_NET_ADMIN. */
    public static GatewayNamespace create(String name, List<SubnetSpec> subnets) {
        return create(name, subnets, NetAdminCapability::held);
    }

    static GatewayNamespace create(String name, List<SubnetSpec> subnets, BooleanSupplier netAdmin) {
        checkName(name);
        if (subnets.isEmpty()) {
            throw new GatewayException("gateway namespace " + name + " needs at least one subnet; add a [subnet] section"
                    + " or use l3 = none");
        }
        if (!netAdmin.getAsBoolean()) {
            throw new GatewayException("l3 = ipforward needs CAP_NET_ADMIN to create the gateway namespace " + name
                    + " and its TAP devices; run the switch as root (or grant cap_net_admin), or use l3 = ovs-only");
        }
        if (exists(name)) {
            throw new GatewayException("network namespace " + name + " exists already (left by a switch that crashed?);"
                    + " delete it with: ip netns delete " + name);
        }
        IpCommand.run("creating gateway namespace " + name, "ip", "netns", "add", name);
        List<GatewayPort> ports = new ArrayList<>();
        try {
            IpCommand.run("namespace " + name + ": loopback up", "ip", "-n", name, "link", "set", "lo", "up");
            sysctl(name, "net.ipv6.conf.all.disable_ipv6=1");
            sysctl(name, "net.ipv6.conf.default.disable_ipv6=1");
            // Answer ARP only for the address of the NIC asked on: one VPC does not learn another's gateway.
            sysctl(name, "net.ipv4.conf.all.arp_ignore=1");
            for (int i = 0; i < subnets.size(); i++) {
                ports.add(addNic(name, i, subnets.get(i)));
            }
            sysctl(name, "net.ipv4.ip_forward=1");
            LOG.info("gateway namespace {} routes between {}", name, ports.stream()
                    .map(p -> p.ifname() + " " + Ipv4.format(p.subnet().gateway()) + "/" + p.subnet().prefix().length()).toList());
            return new GatewayNamespace(name, ports);
        } catch (RuntimeException e) {
            new GatewayNamespace(name, ports).closeAfterFailure(e);
            throw e;
        }
    }

    private static GatewayPort addNic(String ns, int index, SubnetSpec subnet) {
        String temp = "v4jg" + ProcessHandle.current().pid() % 100_000 + "n" + TEMP_NAMES.incrementAndGet() % 1000;
        String ifname = ("gw" + index + "-" + subnet.name());
        ifname = ifname.substring(0, Math.min(MAX_IFNAME, ifname.length()));
        String step = "gateway NIC " + ifname + " for subnet " + subnet.name();
        TapDevice tap;
        try {
            // Exclusive: never attach to someone else's TAP of the same name. One queue, vnet header on.
            tap = TapDevice.open(new TapConfig(temp, 1, true, true), LinuxPlatform.instance());
        } catch (TapException e) {
            throw new GatewayException(step + ": cannot create its TAP: " + e.getMessage(), e);
        }
        try {
            IpCommand.run(step, "ip", "link", "set", "dev", temp, "netns", ns);
            IpCommand.run(step, "ip", "-n", ns, "link", "set", "dev", temp, "name", ifname);
            IpCommand.run(step, "ip", "-n", ns, "link", "set", "dev", ifname, "address", MacAddress.format(subnet.gatewayMac()));
            IpCommand.run(step, "ip", "-n", ns, "addr", "add",
                    Ipv4.format(subnet.gateway()) + "/" + subnet.prefix().length(), "dev", ifname);
            IpCommand.run(step, "ip", "-n", ns, "link", "set", "dev", ifname, "up");
            return new GatewayPort(subnet, ifname, tap);
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    /**
     * Installs static routes and neighbours, so the namespace routes what the config says. A route
     * for one VLAN goes into a table of its own ({@link #VLAN_TABLE_BASE} + VLAN) that a rule
     * consults only for traffic entering on that VLAN's gateway NIC; a destination it does not
     * cover falls through to the main table (the connected subnets and the routes for all VLANs).
     */
    public void install(List<RouteSpec> routes, List<NeighbourSpec> neighbours) {
        Set<Integer> rules = new HashSet<>();
        for (RouteSpec route : routes) {
            GatewayPort egress = ports.stream().filter(p -> p.subnet().prefix().contains(route.nextHop())).findFirst()
                    .orElseThrow(() -> new GatewayException("route to " + route.destination() + ": next hop "
                            + Ipv4.format(route.nextHop()) + " is in no subnet of gateway namespace " + name));
            String step = "gateway namespace " + name + ": route " + route.destination() + " via " + Ipv4.format(route.nextHop());
            List<String> command = new ArrayList<>(List.of("ip", "-n", name, "route", "add", route.destination().toString(),
                    "via", Ipv4.format(route.nextHop()), "dev", egress.ifname()));
            if (route.vlan() != 0) {
                String table = String.valueOf(VLAN_TABLE_BASE + route.vlan());
                if (rules.add(route.vlan())) {
                    IpCommand.run(step, "ip", "-n", name, "rule", "add", "iif", portOn(route.vlan(), step).ifname(),
                            "lookup", table, "pref", table);
                }
                command.addAll(List.of("table", table));
            }
            IpCommand.run(step, command.toArray(String[]::new));
        }
        for (NeighbourSpec n : neighbours) {
            String step = "gateway namespace " + name + ": neighbour " + Ipv4.format(n.ip());
            IpCommand.run(step, "ip", "-n", name, "neigh", "replace", Ipv4.format(n.ip()), "lladdr", MacAddress.format(n.mac()),
                    "dev", portOn(n.vlan(), step).ifname(), "nud", "permanent");
        }
    }

    private GatewayPort portOn(int vlan, String step) {
        return ports.stream().filter(p -> p.subnet().vlan() == vlan).findFirst()
                .orElseThrow(() -> new GatewayException(step + ": VLAN " + vlan + " has no subnet, so no gateway NIC"));
    }

    private static void sysctl(String ns, String setting) {
        IpCommand.run("namespace " + ns + ": sysctl " + setting, "ip", "netns", "exec", ns, "sysctl", "-qw", setting);
    }

    /** Whether a named network namespace {@code name} exists (iproute2 keeps them under /run/netns). */
    public static boolean exists(String name) {
        checkName(name);
        return Files.exists(NETNS_DIR.resolve(name));
    }

    /**
     * Deletes namespace {@code name} if it exists. For a daemon that knows no other instance of it
     * runs (it holds the control socket) and finds the namespace its crashed predecessor left.
     */
    public static void deleteStale(String name) {
        if (exists(name)) {
            LOG.warn("deleting stale gateway namespace {}", name);
            IpCommand.run("deleting stale gateway namespace " + name, "ip", "netns", "delete", name);
        }
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")) {
            throw new GatewayException("'" + name + "' is not a usable namespace name: 1..32 letters, digits, '_', '.', '-'");
        }
    }

    /** The network namespace's name. */
    public String name() {
        return name;
    }

    /** The gateway NICs, in the order of the subnets given. */
    public List<GatewayPort> ports() {
        return ports;
    }

    /** Closes every TAP and deletes the namespace; reports the first failure after trying everything. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (GatewayPort port : ports) {
            try {
                port.tap().close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        try {
            IpCommand.run("deleting gateway namespace " + name, "ip", "netns", "delete", name);
            LOG.info("gateway namespace {} deleted", name);
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }

    private void closeAfterFailure(RuntimeException cause) {
        try {
            close();
        } catch (RuntimeException cleanup) {
            cause.addSuppressed(cleanup);
        }
    }
}
