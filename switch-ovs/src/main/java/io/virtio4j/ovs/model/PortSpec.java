package io.virtio4j.ovs.model;

import java.time.Duration;
import java.util.Objects;

/**
 * One switch port as configured.
 *
 * @param name       unique port name (shown by the control interface and in counters)
 * @param type       what is behind it
 * @param target     the socket path (vhost-user), the interface name (tap, internal), or an
 *                   arbitrary label (in-process)
 * @param reconnect  retry interval of a vhost-user client port (ignored by other types)
 * @param vlan       access VLAN or trunk
 * @param queuePairs queue pairs the port serves (vhost-user: offered to the front-end)
 * @param pmd        the PMD thread that polls this port, or -1 to let the switch assign one
 * @param maxGuestMemory bytes of guest memory the port's vhost-user front-end may make the switch
 *                   map at once (ignored by other types); more is refused
 * @param vxlan      a VXLAN port's tunnel settings; {@code null} for every other type
 */
public record PortSpec(String name, PortType type, String target, Duration reconnect, PortVlan vlan,
                       int queuePairs, int pmd, long maxGuestMemory, VxlanSpec vxlan) {

    /** The default {@link #maxGuestMemory}: 64 GiB, more than a vhost-user guest on one port normally has. */
    public static final long DEFAULT_MAX_GUEST_MEMORY = 64L << 30;

    /** Checks the name, the queue pairs and the PMD thread; a bad value is an {@link IllegalArgumentException} naming the port. */
    public PortSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(reconnect, "reconnect");
        Objects.requireNonNull(vlan, "vlan");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a port needs a name");
        }
        if (queuePairs < 1) {
            throw new IllegalArgumentException("port " + name + ": queue pairs must be at least 1");
        }
        if (pmd < -1) {
            throw new IllegalArgumentException("port " + name + ": pmd must be -1 (auto) or a PMD index");
        }
        if (maxGuestMemory <= 0) {
            throw new IllegalArgumentException("port " + name + ": the guest memory limit must be positive");
        }
        if ((type == PortType.VXLAN) != (vxlan != null)) {
            throw new IllegalArgumentException("port " + name + ": VXLAN settings belong to exactly the vxlan ports");
        }
        if (vxlan != null && !vlan.equals(vxlan.portVlan())) {
            throw new IllegalArgumentException("port " + name + ": a vxlan port is a trunk of exactly its mapped VLANs");
        }
    }

    /** A port of any type but vxlan (no tunnel settings). */
    public PortSpec(String name, PortType type, String target, Duration reconnect, PortVlan vlan, int queuePairs, int pmd,
                    long maxGuestMemory) {
        this(name, type, target, reconnect, vlan, queuePairs, pmd, maxGuestMemory, null);
    }

    /** A vxlan port: a trunk of {@code vxlan}'s VLANs, its target the local socket address. */
    public static PortSpec vxlan(String name, VxlanSpec vxlan, int pmd) {
        return new PortSpec(name, PortType.VXLAN, Ipv4.format(vxlan.localAddress()) + ":" + vxlan.udpPort(),
                Duration.ofSeconds(1), vxlan.portVlan(), 1, pmd, DEFAULT_MAX_GUEST_MEMORY, vxlan);
    }

    /** A port with the {@link #DEFAULT_MAX_GUEST_MEMORY default} guest memory limit. */
    public PortSpec(String name, PortType type, String target, Duration reconnect, PortVlan vlan, int queuePairs, int pmd) {
        this(name, type, target, reconnect, vlan, queuePairs, pmd, DEFAULT_MAX_GUEST_MEMORY);
    }

    /** An access port of {@code vlan} with one queue pair, 1 s reconnect and an automatic PMD. */
    public static PortSpec access(String name, PortType type, String target, int vlan) {
        return new PortSpec(name, type, target, Duration.ofSeconds(1), PortVlan.access(vlan), 1, -1);
    }
}
