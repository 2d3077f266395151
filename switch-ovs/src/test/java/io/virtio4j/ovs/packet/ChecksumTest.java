package io.virtio4j.ovs.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.testing.Frames;

class ChecksumTest {

    @Test
    void computesTheKnownChecksumOfAnIpv4Header() {
        // The worked example of the IPv4 header checksum (192.168.0.1 -> 192.168.0.199, checksum 0xb861).
        byte[] h = HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7");
        MemorySegment s = MemorySegment.ofArray(h);
        assertEquals(0xb861, Checksum.compute(s, 0, 20));
        NetworkOrder.putU16(s, 10, 0xb861);
        assertTrue(Checksum.verify(s, 0, 20));
        NetworkOrder.putU8(s, 8, 0x3f);
        assertFalse(Checksum.verify(s, 0, 20));
    }

    @Test
    void oddLengthsPadWithAZeroByte() {
        byte[] data = {0x01, 0x02, 0x03};
        // 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd
        assertEquals(0xfbfd, Checksum.compute(MemorySegment.ofArray(data), 0, 3));
        assertEquals(Frames.internetChecksum(data, 0, 3), Checksum.compute(MemorySegment.ofArray(data), 0, 3));
    }

    @Test
    void ttlDecrementUpdatesTheChecksumAsAFullRecomputationWould() {
        Random random = new Random(1624);
        for (int i = 0; i < 20_000; i++) {
            byte[] header = new byte[20];
            random.nextBytes(header);
            header[0] = 0x45;
            header[8] = (byte) (2 + random.nextInt(254));
            if (i % 7 == 0) {
                header[9] = 0;
                header[8] = 1 + 1; // the word (ttl, proto) = 0x0200 -> 0x0100: exercise small words
            }
            header[10] = 0;
            header[11] = 0;
            int full = Frames.internetChecksum(header, 0, 20);
            header[10] = (byte) (full >>> 8);
            header[11] = (byte) full;
            MemorySegment s = MemorySegment.ofArray(header.clone());
            Checksum.decrementTtl(s, 0);
            byte[] after = s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertEquals((header[8] & 0xff) - 1, after[8] & 0xff);
            assertTrue(Checksum.verify(s, 0, 20), "header " + HexFormat.of().formatHex(header));
            after[10] = 0;
            after[11] = 0;
            assertEquals(Frames.internetChecksum(after, 0, 20), NetworkOrder.u16(s, 10));
        }
    }

    @Test
    void adjustFollowsRfc1624Equation3InItsExample() {
        // RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000.
        assertEquals(0x0000, Checksum.adjust(0xdd2f, 0x5555, 0x3285));
    }

    @Test
    void decrementTtlWorksAtAnOffsetInsideAFrame() {
        byte[] ip = Frames.ipv4(0x0a000001, 0x0a000002, 64, 17, new byte[8]);
        byte[] frame = Frames.ethernet(1, 2, 10, 0x0800, ip);
        MemorySegment s = MemorySegment.ofArray(frame);
        Checksum.decrementTtl(s, 18);
        assertEquals(63, NetworkOrder.u8(s, 18 + Ipv4Header.TTL));
        assertTrue(Checksum.verify(s, 18, 20));
    }
}
