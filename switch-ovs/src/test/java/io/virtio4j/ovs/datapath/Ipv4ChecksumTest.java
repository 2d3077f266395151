package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** RFC 1624's incremental update agrees with a full recomputation for every TTL and many headers. */
class Ipv4ChecksumTest {
    private static final ValueLayout.OfShort BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Test
    void aTtlDecrementAdjustedIncrementallyEqualsTheRecomputedChecksum() {
        Random random = new Random(1624);
        MemorySegment h = MemorySegment.ofArray(new byte[20]);
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < 20; i++) {
                h.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
            }
            int ttl = 1 + round % 255;
            h.set(ValueLayout.JAVA_BYTE, 8, (byte) ttl);
            h.set(BE, 10, (short) 0);
            h.set(BE, 10, (short) Ipv4Checksum.compute(h, 0, 20));
            assertEquals(0, Ipv4Checksum.compute(h, 0, 20), "a header with its checksum sums to zero");
            int protocol = Byte.toUnsignedInt(h.get(ValueLayout.JAVA_BYTE, 9));
            int adjusted = Ipv4Checksum.adjust(Short.toUnsignedInt(h.get(BE, 10)), (ttl << 8) | protocol, ((ttl - 1) << 8) | protocol);
            h.set(ValueLayout.JAVA_BYTE, 8, (byte) (ttl - 1));
            h.set(BE, 10, (short) 0);
            assertEquals(Ipv4Checksum.compute(h, 0, 20), adjusted, "round " + round);
        }
    }

    @Test
    void rfc1624ExampleWhereEquationTwoGoesWrong() {
        // RFC 1624 section 3: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285; the right answer is 0x0000,
        // which eqn. 3 gives (eqn. 2 would give 0xFFFF, the "negative zero").
        assertEquals(0x0000, Ipv4Checksum.adjust(0xDD2F, 0x5555, 0x3285));
    }
}
