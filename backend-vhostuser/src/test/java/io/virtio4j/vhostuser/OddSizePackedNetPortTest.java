package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Request;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * Every {@link PackedNetPortTest} case again on packed rings of 100 descriptors: a packed queue's
 * size need not be a power of two (spec 2.8), and SET_VRING_NUM takes any size up to 32768 once
 * the front-end negotiated packed rings, as DPDK's vhost library does (a split ring's size stays a
 * power of two: {@link HostileFrontendTest}). The wrap-counter cases then wrap at slot 100.
 */
class OddSizePackedNetPortTest extends PackedNetPortTest {
    @Override
    int queueSize() {
        return 100;
    }

    /**
     * Features turned to split rings under running rings of 100: the session restarts them as
     * split rings, which cannot have that size, so they stay stopped; the connection goes on.
     */
    @Test
    void ringsOfThisSizeDoNotRestartAsSplitRings() {
        long split = BackendConfig.net(1).offeredFeatures() & ~BackendConfig.VIRTIO_F_RING_PACKED;
        assertNotEquals(0, f.call(Request.SET_FEATURES, new long[] {split}), "the restart as split rings is refused");
        assertFalse(port.ready(0));
        f.assertAlive();
    }
}
