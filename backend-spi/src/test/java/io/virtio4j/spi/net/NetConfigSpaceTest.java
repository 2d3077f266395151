package io.virtio4j.spi.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NetConfigSpaceTest {
    final NetConfigSpace config = new NetConfigSpace(MacAddress.parse("52:54:00:12:34:56"), 3, 9000);

    @Test
    void fieldsAreLittleEndianAtTheSpecOffsets() {
        assertEquals(0x12005452, config.read(NetConfigSpace.MAC, 4), "52 54 00 12 read little-endian");
        assertEquals(0x5634, config.read(4, 2));
        assertEquals(3, config.read(NetConfigSpace.MAX_VIRTQUEUE_PAIRS, 2));
        assertEquals(9000, config.read(NetConfigSpace.MTU, 2));
        assertEquals(9000 & 0xff, config.read(NetConfigSpace.MTU, 1));
    }

    @Test
    void readsPastTheEndAreZeroAndStraddlingReadsAreCut() {
        assertEquals(0, config.read(NetConfigSpace.SIZE, 4));
        assertEquals(0, config.read(-1, 1));
        assertEquals(9000, config.read(NetConfigSpace.MTU, 4));
    }

    @Test
    void statusChangesBumpTheGeneration() {
        int g = config.generation();
        assertTrue(config.updateStatus(NetConfigSpace.STATUS_LINK_UP, 0));
        assertFalse(config.updateStatus(NetConfigSpace.STATUS_LINK_UP, 0), "no change, no bump");
        assertTrue(config.updateStatus(NetConfigSpace.STATUS_ANNOUNCE, NetConfigSpace.STATUS_LINK_UP));
        assertEquals(NetConfigSpace.STATUS_ANNOUNCE, config.status());
        assertEquals(g + 2, config.generation());
    }
}
