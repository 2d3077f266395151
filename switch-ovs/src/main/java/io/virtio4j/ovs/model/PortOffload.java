package io.virtio4j.ovs.model;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A checksum or segmentation offload a vhost-user port offers its guest (config key
 * {@code offloads}). Each names the pair of virtio-net features it stands for, one per direction,
 * as QEMU's {@code csum}/{@code guest_csum} and {@code host_tso4}/{@code guest_tso4} properties:
 * the guest may send frames that use it, and the switch may deliver such frames to the guest.
 */
public enum PortOffload {
    /** VIRTIO_NET_F_CSUM (bit 0) and GUEST_CSUM (bit 1): partial checksums (NEEDS_CSUM). */
    CSUM(1L, 1L << 1),
    /** VIRTIO_NET_F_HOST_TSO4 (bit 11) and GUEST_TSO4 (bit 7): TCP over IPv4 super-frames. */
    TSO4(1L << 11, 1L << 7),
    /** VIRTIO_NET_F_HOST_TSO6 (bit 12) and GUEST_TSO6 (bit 8): TCP over IPv6 super-frames. */
    TSO6(1L << 12, 1L << 8);

    /** What a vhost-user port offers when the config does not say: every offload, as QEMU and OVS-DPDK do. */
    public static final Set<PortOffload> DEFAULT_VHOST_USER = Set.copyOf(EnumSet.allOf(PortOffload.class));

    private final long hostFeature;
    private final long guestFeature;

    PortOffload(long hostFeature, long guestFeature) {
        this.hostFeature = hostFeature;
        this.guestFeature = guestFeature;
    }

    /** Its name in the config file ({@code csum}, {@code tso4}, {@code tso6}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The offload named {@code name} in the config file, or null. */
    public static PortOffload byConfigName(String name) {
        for (PortOffload o : values()) {
            if (o.configName().equals(name)) {
                return o;
            }
        }
        return null;
    }

    /** The virtio-net device feature bits a back-end offers for {@code offloads} (both directions). */
    public static long features(Set<PortOffload> offloads) {
        long bits = 0;
        for (PortOffload o : offloads) {
            bits |= o.hostFeature | o.guestFeature;
        }
        return bits;
    }

    /** Whether {@code offloads} lets a guest send or receive super-frames larger than any MTU. */
    public static boolean segments(Set<PortOffload> offloads) {
        return offloads.contains(TSO4) || offloads.contains(TSO6);
    }
}
