package io.virtio4j.ovs.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.testing.Frames;

import org.junit.jupiter.api.Test;

/** The VXLAN header codec: what it writes, and each way a payload is refused. */
class VxlanHeaderTest {
    private static byte[] payload(int flags, int vni, int innerVlan, int innerBytes) {
        byte[] inner = Frames.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, innerVlan, 0x0800, new byte[46]);
        byte[] p = new byte[8 + Math.min(innerBytes, inner.length)];
        p[0] = (byte) flags;
        p[4] = (byte) (vni >>> 16);
        p[5] = (byte) (vni >>> 8);
        p[6] = (byte) vni;
        System.arraycopy(inner, 0, p, 8, p.length - 8);
        return p;
    }

    private static int decode(byte[] p) {
        return VxlanHeader.decode(MemorySegment.ofArray(p), 0, p.length);
    }

    @Test
    void writesTheIFlagAndTheVniWithReservedBitsZero() {
        byte[] b = new byte[8];
        java.util.Arrays.fill(b, (byte) 0xff);
        VxlanHeader.write(MemorySegment.ofArray(b), 0, 0x123456);
        assertEquals("0800000012345600", java.util.HexFormat.of().formatHex(b));
    }

    @Test
    void aGoodPayloadGivesItsVniAndReservedBitsAreIgnored() {
        byte[] p = payload(0x08, 5010, 0, 100);
        assertEquals(5010, decode(p));
        p[1] = p[2] = p[3] = p[7] = (byte) 0xff;
        assertEquals(5010, decode(p), "RFC 7348: reserved fields are ignored on receipt");
        assertEquals(io.virtio4j.ovs.model.VxlanSpec.MAX_VNI, decode(payload(0x08, io.virtio4j.ovs.model.VxlanSpec.MAX_VNI, 0, 100)));
    }

    @Test
    void eachBadPayloadIsRefusedWithItsReason() {
        assertEquals(VxlanDrop.TRUNCATED, VxlanHeader.drop(decode(new byte[0])));
        assertEquals(VxlanDrop.TRUNCATED, VxlanHeader.drop(decode(new byte[7])));
        assertEquals(VxlanDrop.TRUNCATED, VxlanHeader.drop(decode(payload(0x08, 5010, 0, 13))), "inner Ethernet header cut");
        assertEquals(VxlanDrop.BAD_FLAGS, VxlanHeader.drop(decode(payload(0x00, 5010, 0, 100))), "I flag missing");
        assertEquals(VxlanDrop.BAD_FLAGS, VxlanHeader.drop(decode(payload(0x0c, 5010, 0, 100))), "a flag we do not implement");
        assertEquals(VxlanDrop.BAD_FLAGS, VxlanHeader.drop(decode(payload(0x88, 5010, 0, 100))));
        assertEquals(VxlanDrop.VNI_ZERO, VxlanHeader.drop(decode(payload(0x08, 0, 0, 100))));
        assertEquals(VxlanDrop.INNER_TAGGED, VxlanHeader.drop(decode(payload(0x08, 5010, 10, 100))));
    }

    @Test
    void aVniIsNotARefusal() {
        assertThrows(IllegalArgumentException.class, () -> VxlanHeader.drop(5010));
    }
}
