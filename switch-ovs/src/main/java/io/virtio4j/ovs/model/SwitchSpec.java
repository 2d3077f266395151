package io.virtio4j.ovs.model;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A whole switch as configured ({@code maxGuestMemory}: the bytes of guest memory all its
 * vhost-user front-ends together may make it map): what the config file reader produces and what a Java program
 * hands to the switch. Port indices used by the data path are positions in {@link #ports()}.
 *
 * <p>The constructor checks what a config file can get wrong in a way no single record can see
 * (duplicate names, overlapping subnets, two subnets on one VLAN); the file reader checks the
 * same things first so its errors can name the line.
 */
public record SwitchSpec(L3Mode l3, int pmdThreads, FdbSpec fdb, List<PortSpec> ports,
                         List<SubnetSpec> subnets, List<RouteSpec> routes, List<NeighbourSpec> neighbours,
                         long maxGuestMemory) {

    /**
     * The default {@link #maxGuestMemory}: 4 TiB, a small part of the 128 TiB a process can map on
     * x86-64, so front-ends that each stay under their port's limit still cannot together take the
     * address space the next guest needs.
     */
    public static final long DEFAULT_MAX_GUEST_MEMORY = 4L << 40;

    /** A switch with the {@link #DEFAULT_MAX_GUEST_MEMORY default} switch-wide guest memory limit. */
    public SwitchSpec(L3Mode l3, int pmdThreads, FdbSpec fdb, List<PortSpec> ports,
                      List<SubnetSpec> subnets, List<RouteSpec> routes, List<NeighbourSpec> neighbours) {
        this(l3, pmdThreads, fdb, ports, subnets, routes, neighbours, DEFAULT_MAX_GUEST_MEMORY);
    }

    /** Checks the whole switch (PMD threads, unique port names, ...) and copies the lists. */
    public SwitchSpec {
        Objects.requireNonNull(l3, "l3");
        Objects.requireNonNull(fdb, "fdb");
        ports = List.copyOf(ports);
        subnets = List.copyOf(subnets);
        routes = List.copyOf(routes);
        neighbours = List.copyOf(neighbours);
        if (pmdThreads < 1) {
            throw new IllegalArgumentException("the switch needs at least one PMD thread");
        }
        if (maxGuestMemory <= 0) {
            throw new IllegalArgumentException("the switch-wide guest memory limit must be positive");
        }
        Set<String> names = new HashSet<>();
        for (PortSpec p : ports) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("duplicate port name " + p.name());
            }
            if (p.pmd() >= pmdThreads) {
                throw new IllegalArgumentException("port " + p.name() + " is assigned to PMD " + p.pmd()
                        + " but there are only " + pmdThreads);
            }
        }
        Set<String> subnetNames = new HashSet<>();
        for (int i = 0; i < subnets.size(); i++) {
            SubnetSpec a = subnets.get(i);
            if (!subnetNames.add(a.name())) {
                throw new IllegalArgumentException("duplicate subnet name " + a.name());
            }
            for (int j = 0; j < i; j++) {
                SubnetSpec b = subnets.get(j);
                if (a.prefix().overlaps(b.prefix())) {
                    throw new IllegalArgumentException("subnet " + a.name() + " (" + a.prefix() + ") overlaps subnet "
                            + b.name() + " (" + b.prefix() + ")");
                }
                if (a.vlan() == b.vlan()) {
                    throw new IllegalArgumentException("subnets " + b.name() + " and " + a.name()
                            + " are both on VLAN " + a.vlan() + "; give each subnet its own VLAN");
                }
            }
        }
    }

    /** This switch with {@code newPorts} instead of its ports (everything else as it is). */
    public SwitchSpec withPorts(List<PortSpec> newPorts) {
        return new SwitchSpec(l3, pmdThreads, fdb, newPorts, subnets, routes, neighbours, maxGuestMemory);
    }
}
