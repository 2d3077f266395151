package io.virtio4j.spi.net;

import io.virtio4j.api.feature.FeatureNegotiation;
import io.virtio4j.api.feature.FeatureRule;
import io.virtio4j.api.feature.Features;
import org.junit.jupiter.api.Test;

import static io.virtio4j.api.feature.VirtioFeature.*;
import static org.junit.jupiter.api.Assertions.*;

class NetFeatureSetTest {
    @Test
    void offloadsWhoseCompanionTheBackendLacksAreDropped() {
        long offered = NetFeatureSet.offered(Features.of(NET_GUEST_TSO4, NET_GUEST_ECN, NET_HOST_TSO4, NET_CSUM), 1);
        assertFalse(NET_GUEST_TSO4.in(offered), "GUEST_TSO4 without GUEST_CSUM");
        assertFalse(NET_GUEST_ECN.in(offered), "then GUEST_ECN loses its companion too");
        assertTrue(NET_HOST_TSO4.in(offered) && NET_CSUM.in(offered));
        assertTrue(FeatureNegotiation.problems(offered, offered, FeatureRule.NET).isEmpty(), "acking everything is valid");
    }

    @Test
    void bitsTheDeviceDoesNotImplementAreNeverOffered() {
        long offered = NetFeatureSet.offered(-1L, 8);
        assertFalse(NET_CTRL_VLAN.in(offered));
        assertFalse(NET_RSS.in(offered));
        assertTrue(RING_PACKED.in(offered), "packed rings (issue 14), when the backend supports them");
        assertFalse(RING_PACKED.in(NetFeatureSet.offered(RING_EVENT_IDX.mask(), 1)), "and only then");
        assertFalse(NET_CTRL_GUEST_OFFLOADS.in(offered));
        assertTrue(NET_MQ.in(offered));
        assertFalse(NET_MQ.in(NetFeatureSet.offered(-1L, 1)));
        assertEquals(NetFeatureSet.DEVICE_BITS, NetFeatureSet.offered(0, 1));
    }
}
