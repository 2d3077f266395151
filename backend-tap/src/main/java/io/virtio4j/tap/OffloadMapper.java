package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;

import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_CSUM;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO6;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO_ECN;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_UFO;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO6;

/**
 * Negotiated virtio-net GUEST_* features to TUNSETOFFLOAD bits. TUNSETOFFLOAD tells the kernel what
 * the reader of the TAP (the guest, through us) can take: partial checksums and GSO super-frames.
 * Like QEMU's tap_fd_set_offload, every segmentation offload needs GUEST_CSUM (the spec makes the
 * GUEST_TSO/UFO/USO bits depend on it), ECN only means something together with TSO, and USO needs
 * both address families (see below).
 */
public final class OffloadMapper {
    private OffloadMapper() {
    }

    /** The TUN_F_* bits for the negotiated {@code guestFeatures}. */
    public static int tunOffloads(long guestFeatures) {
        if (!VirtioFeature.NET_GUEST_CSUM.in(guestFeatures)) {
            return 0;
        }
        int offloads = TUN_F_CSUM;
        if (VirtioFeature.NET_GUEST_TSO4.in(guestFeatures)) {
            offloads |= TUN_F_TSO4;
        }
        if (VirtioFeature.NET_GUEST_TSO6.in(guestFeatures)) {
            offloads |= TUN_F_TSO6;
        }
        if (VirtioFeature.NET_GUEST_ECN.in(guestFeatures) && (offloads & (TUN_F_TSO4 | TUN_F_TSO6)) != 0) {
            offloads |= TUN_F_TSO_ECN;
        }
        if (VirtioFeature.NET_GUEST_UFO.in(guestFeatures)) {
            offloads |= TUN_F_UFO;
        }
        // tun_set_offload enables UDP_L4 GSO only for USO4 and USO6 together and rejects either
        // alone with EINVAL. With only one negotiated we ask for neither: the kernel then segments
        // UDP GSO sends itself, which any guest accepts.
        if (VirtioFeature.NET_GUEST_USO4.in(guestFeatures) && VirtioFeature.NET_GUEST_USO6.in(guestFeatures)) {
            offloads |= TUN_F_USO4 | TUN_F_USO6;
        }
        return offloads;
    }
}
