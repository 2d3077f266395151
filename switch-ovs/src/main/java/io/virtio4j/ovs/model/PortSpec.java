package io.virtio4j.ovs.model;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

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
 * @param offloads   the checksum and segmentation offloads a vhost-user port offers its guest
 *                   (empty for other types: they send and take only complete frames)
 * @param mtu        the largest IP packet the port sends ({@link #MIN_MTU}..{@link #MAX_MTU}; the
 *                   Ethernet header and a tag come on top); longer frames are dropped at it
 * @param vxlan      a VXLAN port's tunnel settings; {@code null} for every other type
 */
public record PortSpec(String name, PortType type, String target, Duration reconnect, PortVlan vlan,
                       int queuePairs, int pmd, long maxGuestMemory, Set<PortOffload> offloads, int mtu,
                       VxlanSpec vxlan) {

    /** The smallest {@link #mtu}: IPv4's minimum datagram every link must carry (RFC 791). */
    public static final int MIN_MTU = 68;
    /** The largest {@link #mtu}: a 9000-byte jumbo frame's IP packet. */
    public static final int MAX_MTU = 9000;
    /** The default {@link #mtu}: jumbo frames pass unless a port says otherwise, as before the key existed. */
    public static final int DEFAULT_MTU = MAX_MTU;

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
        offloads = Set.copyOf(Objects.requireNonNull(offloads, "offloads"));
        if (!offloads.isEmpty() && !type.isVhostUser()) {
            throw new IllegalArgumentException("port " + name + ": only vhost-user ports offer offloads");
        }
        if (PortOffload.segments(offloads) && !offloads.contains(PortOffload.CSUM)) {
            // virtio 1.2, 5.1.3.1: HOST_TSO4/6 require CSUM, GUEST_TSO4/6 require GUEST_CSUM.
            throw new IllegalArgumentException("port " + name + ": tso4 and tso6 need csum");
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw new IllegalArgumentException("port " + name + ": mtu " + mtu + " outside " + MIN_MTU + ".." + MAX_MTU);
        }
        if ((type == PortType.VXLAN) != (vxlan != null)) {
            throw new IllegalArgumentException("port " + name + ": VXLAN settings belong to exactly the vxlan ports");
        }
        if (vxlan != null && !vlan.equals(vxlan.portVlan())) {
            throw new IllegalArgumentException("port " + name + ": a vxlan port is a trunk of exactly its mapped VLANs");
        }
    }

    /** A port of any type but vxlan (no tunnel settings) with {@code offloads} and {@code mtu}. */
    public PortSpec(String name, PortType type, String target, Duration reconnect, PortVlan vlan,
                    int queuePairs, int pmd, long maxGuestMemory, Set<PortOffload> offloads, int mtu) {
        this(name, type, target, reconnect, vlan, queuePairs, pmd, maxGuestMemory, offloads, mtu, null);
    }

    /** A port of any type but vxlan, with the type's {@link #defaultOffloads default offloads} and the default mtu. */
    public PortSpec(String name, PortType type, String target, Duration reconnect, PortVlan vlan,
                    int queuePairs, int pmd, long maxGuestMemory) {
        this(name, type, target, reconnect, vlan, queuePairs, pmd, maxGuestMemory, defaultOffloads(type), DEFAULT_MTU);
    }

    /** What a port of {@code type} offers when the config does not say: every offload on vhost-user, none elsewhere. */
    public static Set<PortOffload> defaultOffloads(PortType type) {
        return type.isVhostUser() ? PortOffload.DEFAULT_VHOST_USER : Set.of();
    }

    /** A vxlan port: a trunk of {@code vxlan}'s VLANs, its target the local socket address. */
    public static PortSpec vxlan(String name, VxlanSpec vxlan, int pmd) {
        return new PortSpec(name, PortType.VXLAN, Ipv4.format(vxlan.localAddress()) + ":" + vxlan.udpPort(),
                Duration.ofSeconds(1), vxlan.portVlan(), 1, pmd, DEFAULT_MAX_GUEST_MEMORY, Set.of(), DEFAULT_MTU, vxlan);
    }

    /** This port with {@code offloads} instead of its own. */
    public PortSpec withOffloads(Set<PortOffload> offloads) {
        return new PortSpec(name, type, target, reconnect, vlan, queuePairs, pmd, maxGuestMemory, offloads, mtu, vxlan);
    }

    /** This port with {@code mtu} instead of its own. */
    public PortSpec withMtu(int mtu) {
        return new PortSpec(name, type, target, reconnect, vlan, queuePairs, pmd, maxGuestMemory, offloads, mtu, vxlan);
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
