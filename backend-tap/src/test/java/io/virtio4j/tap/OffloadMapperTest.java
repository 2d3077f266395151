package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;

import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_CSUM;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO6;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_TSO_ECN;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_UFO;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OffloadMapperTest {
    @Test
    void nothingWithoutGuestCsumEvenIfTsoIsNegotiated() {
        assertEquals(0, OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_TSO4.mask() | VirtioFeature.NET_GUEST_UFO.mask()));
    }

    @Test
    void everyGuestOffloadMapsToItsTunBit() {
        long all = VirtioFeature.NET_GUEST_CSUM.mask() | VirtioFeature.NET_GUEST_TSO4.mask() | VirtioFeature.NET_GUEST_TSO6.mask()
                | VirtioFeature.NET_GUEST_ECN.mask() | VirtioFeature.NET_GUEST_UFO.mask()
                | VirtioFeature.NET_GUEST_USO4.mask() | VirtioFeature.NET_GUEST_USO6.mask();
        assertEquals(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO | TUN_F_USO4 | TUN_F_USO6,
                OffloadMapper.tunOffloads(all));
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_CSUM.mask()));
        assertEquals(TUN_F_CSUM | TUN_F_TSO6, OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_CSUM.mask() | VirtioFeature.NET_GUEST_TSO6.mask()));
    }

    @Test
    void usoIsAskedForOnlyWithBothFamiliesBecauseTunRejectsOneAlone() {
        long csum = VirtioFeature.NET_GUEST_CSUM.mask();
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(csum | VirtioFeature.NET_GUEST_USO4.mask()));
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(csum | VirtioFeature.NET_GUEST_USO6.mask()));
    }

    @Test
    void ecnNeedsTso() {
        assertEquals(TUN_F_CSUM, OffloadMapper.tunOffloads(VirtioFeature.NET_GUEST_CSUM.mask() | VirtioFeature.NET_GUEST_ECN.mask()));
    }

    @Test
    void hostSideFeaturesDoNotChangeTheReceiveOffloads() {
        long hostOnly = VirtioFeature.NET_CSUM.mask() | VirtioFeature.NET_HOST_TSO4.mask() | VirtioFeature.VERSION_1.mask();
        assertEquals(0, OffloadMapper.tunOffloads(hostOnly));
    }

    @Test
    void capabilitiesOfferNoOffloadWithoutVnetHeader() {
        assertEquals(0, new TapCapabilities(false, true, true).offerableFeatures());
        long basic = new TapCapabilities(true, false, false).offerableFeatures();
        assertTrue((basic & VirtioFeature.NET_GUEST_TSO4.mask()) != 0);
        assertEquals(0, basic & (VirtioFeature.NET_GUEST_UFO.mask() | VirtioFeature.NET_GUEST_USO4.mask() | VirtioFeature.NET_HOST_USO.mask()));
        long full = new TapCapabilities(true, true, true).offerableFeatures();
        assertEquals(VirtioFeature.NET_GUEST_UFO.mask() | VirtioFeature.NET_HOST_UFO.mask()
                | VirtioFeature.NET_GUEST_USO4.mask() | VirtioFeature.NET_GUEST_USO6.mask() | VirtioFeature.NET_HOST_USO.mask(),
                full & ~basic);
    }
}
