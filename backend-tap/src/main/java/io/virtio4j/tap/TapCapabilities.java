package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;


/**
 * What an opened TAP can carry, as virtio-net feature bits the device may offer. Without a vnet
 * header there is no way to pass checksum or GSO metadata, so no offload bit is offered at all.
 *
 * @param vnetHeader   the TAP was opened with IFF_VNET_HDR
 * @param ufo          the kernel accepted TUN_F_UFO in a TUNSETOFFLOAD probe
 * @param uso          the kernel accepted TUN_F_USO4|TUN_F_USO6 in a TUNSETOFFLOAD probe
 */
public record TapCapabilities(boolean vnetHeader, boolean ufo, boolean uso) {

    /** The virtio-net offload features the device may offer the driver over this TAP. */
    public long offerableFeatures() {
        if (!vnetHeader) {
            return 0;
        }
        // A TAP with a vnet header takes partial checksums and TCP GSO frames in both directions on
        // every kernel that has IFF_VNET_HDR (2.6.27+): TUNSETOFFLOAD for receive, tun_get_user for send.
        long features = VirtioFeature.NET_CSUM.mask() | VirtioFeature.NET_GUEST_CSUM.mask()
                | VirtioFeature.NET_GUEST_TSO4.mask() | VirtioFeature.NET_GUEST_TSO6.mask() | VirtioFeature.NET_GUEST_ECN.mask()
                | VirtioFeature.NET_HOST_TSO4.mask() | VirtioFeature.NET_HOST_TSO6.mask() | VirtioFeature.NET_HOST_ECN.mask();
        if (ufo) {
            features |= VirtioFeature.NET_GUEST_UFO.mask() | VirtioFeature.NET_HOST_UFO.mask();
        }
        if (uso) {
            features |= VirtioFeature.NET_GUEST_USO4.mask() | VirtioFeature.NET_GUEST_USO6.mask() | VirtioFeature.NET_HOST_USO.mask();
        }
        return features;
    }
}
