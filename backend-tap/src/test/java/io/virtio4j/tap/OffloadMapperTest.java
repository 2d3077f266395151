package io.virtio4j.tap;

import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_CSUM;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO6;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO_ECN;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_UFO;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO6;
import static io.virtio4j.tap.VirtioNetFeatureBits.bit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OffloadMapperTest {
    @Test
    void nothingWithoutGuestCsumEvenIfTsoIsNegotiated() {
        assertEquals(0, OffloadMapper.tunOffloads(bit(VirtioNetFeatureBits.GUEST_TSO4) | bit(VirtioNetFeatureBits.GUEST_UFO)));
    }

    @Test
    void everyGuestOffloadMapsToItsTunBit() {
        long all = bit(VirtioNetFeatureBits.GUEST_CSUM) | bit(VirtioNetFeatureBits.GUEST_TSO4) | bit(VirtioNetFeatureBits.GUEST_TSO6)
                | bit(VirtioNetFeatureBits.GUEST_ECN) | bit(VirtioNetFeatureBits.GUEST_UFO)
                | bit(VirtioNetFeatureBits.GUEST_USO4) | bit(VirtioNetFeatureBits.GUEST_USO6);
        assertEquals(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO | TUN_F_USO4 | TUN_F_USO6,
                OffloadMapper.tunOffloads(all));
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(bit(VirtioNetFeatureBits.GUEST_CSUM)));
        assertEquals(TUN_F_CSUM | TUN_F_TSO6, OffloadMapper.tunOffloads(bit(VirtioNetFeatureBits.GUEST_CSUM) | bit(VirtioNetFeatureBits.GUEST_TSO6)));
    }

    @Test
    void usoIsAskedForOnlyWithBothFamiliesBecauseTunRejectsOneAlone() {
        long csum = bit(VirtioNetFeatureBits.GUEST_CSUM);
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(csum | bit(VirtioNetFeatureBits.GUEST_USO4)));
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(csum | bit(VirtioNetFeatureBits.GUEST_USO6)));
    }

    @Test
    void ecnNeedsTso() {
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(bit(VirtioNetFeatureBits.GUEST_CSUM) | bit(VirtioNetFeatureBits.GUEST_ECN)));
    }

    @Test
    void hostSideFeaturesDoNotChangeTheReceiveOffloads() {
        long hostOnly = bit(VirtioNetFeatureBits.CSUM) | bit(VirtioNetFeatureBits.HOST_TSO4) | bit(VirtioNetFeatureBits.VERSION_1);
        assertEquals(0, OffloadMapper.tunOffloads(hostOnly));
    }

    @Test
    void capabilitiesOfferNoOffloadWithoutVnetHeader() {
        assertEquals(0, new TapCapabilities(false, true, true).offerableFeatures());
        long basic = new TapCapabilities(true, false, false).offerableFeatures();
        assertTrue((basic & bit(VirtioNetFeatureBits.GUEST_TSO4)) != 0);
        assertEquals(0, basic & (bit(VirtioNetFeatureBits.GUEST_UFO) | bit(VirtioNetFeatureBits.GUEST_USO4) | bit(VirtioNetFeatureBits.HOST_USO)));
        long full = new TapCapabilities(true, true, true).offerableFeatures();
        assertEquals(bit(VirtioNetFeatureBits.GUEST_UFO) | bit(VirtioNetFeatureBits.HOST_UFO)
                | bit(VirtioNetFeatureBits.GUEST_USO4) | bit(VirtioNetFeatureBits.GUEST_USO6) | bit(VirtioNetFeatureBits.HOST_USO),
                full & ~basic);
    }
}
