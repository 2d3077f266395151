package io.virtio4j.spi.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MacAddressTest {
    @Test
    void parseFormatAndBytesRoundTrip() {
        long mac = MacAddress.parse("52:54:00:ab:cd:ef");
        assertEquals(0x5254_00ab_cdefL, mac);
        assertEquals("52:54:00:ab:cd:ef", MacAddress.format(mac));
        byte[] b = new byte[8];
        MacAddress.write(mac, b, 1);
        assertEquals(0x52, b[1]);
        assertEquals((byte) 0xef, b[6]);
        assertEquals(mac, MacAddress.of(b, 1));
    }

    @Test
    void groupBitAndBadText() {
        assertTrue(MacAddress.isMulticast(MacAddress.parse("01:00:5e:00:00:01")));
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST));
        assertFalse(MacAddress.isMulticast(MacAddress.parse("52:54:00:00:00:01")));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:00:01"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:00:00:1"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:00:00:-1"));
    }
}
