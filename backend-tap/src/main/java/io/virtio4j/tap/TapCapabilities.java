package io.virtio4j.tap;

import static io.virtio4j.tap.VirtioNetFeatureBits.CSUM;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_CSUM;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_ECN;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_TSO4;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_TSO6;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_UFO;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_USO4;
import static io.virtio4j.tap.VirtioNetFeatureBits.GUEST_USO6;
import static io.virtio4j.tap.VirtioNetFeatureBits.HOST_ECN;
import static io.virtio4j.tap.VirtioNetFeatureBits.HOST_TSO4;
import static io.virtio4j.tap.VirtioNetFeatureBits.HOST_TSO6;
import static io.virtio4j.tap.VirtioNetFeatureBits.HOST_UFO;
import static io.virtio4j.tap.VirtioNetFeatureBits.HOST_USO;
import static io.virtio4j.tap.VirtioNetFeatureBits.bit;

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
        long features = bit(CSUM) | bit(GUEST_CSUM)
                | bit(GUEST_TSO4) | bit(GUEST_TSO6) | bit(GUEST_ECN)
                | bit(HOST_TSO4) | bit(HOST_TSO6) | bit(HOST_ECN);
        if (ufo) {
            features |= bit(GUEST_UFO) | bit(HOST_UFO);
        }
        if (uso) {
            features |= bit(GUEST_USO4) | bit(GUEST_USO6) | bit(HOST_USO);
        }
        return features;
    }
}
