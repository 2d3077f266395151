package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.pipeline.Verdict;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heads the executor writes before the rest of a frame: tag push/pop, MACs, TTL. */
class HeaderRewriterTest {
    private static final ValueLayout.OfShort BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** An untagged IPv4 header block: MACs 0x11.., 0x22.., type 0800, IPv4 TTL 64 with a valid checksum. */
    static MemorySegment untaggedIpv4() {
        MemorySegment h = MemorySegment.ofArray(new byte[14 + 20 + 8]);
        h.asSlice(0, 6).fill((byte) 0x11);
        h.asSlice(6, 6).fill((byte) 0x22);
        h.set(BE, 12, (short) 0x0800);
        h.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x45);
        h.set(BE, 16, (short) 28);
        h.set(ValueLayout.JAVA_BYTE, 22, (byte) 64);
        h.set(ValueLayout.JAVA_BYTE, 23, (byte) 17);
        h.set(BE, 26, (short) 0x0a00);
        h.set(BE, 30, (short) 0x0a01);
        h.set(BE, 24, (short) Checksum.compute(h, 14, 20));
        return h;
    }

    static MemorySegment tagged(MemorySegment untagged, int tci) {
        MemorySegment t = MemorySegment.ofArray(new byte[(int) untagged.byteSize() + 4]);
        MemorySegment.copy(untagged, 0, t, 0, 12);
        t.set(BE, 12, (short) 0x8100);
        t.set(BE, 14, (short) tci);
        MemorySegment.copy(untagged, 12, t, 16, untagged.byteSize() - 12);
        return t;
    }

    static byte[] head(HeaderRewriter r, boolean tagged) {
        int n = r.headLength(tagged);
        return r.head(tagged).asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void nothingChangesForTheSameTaggingAndNoRewrites() {
        HeaderRewriter r = new HeaderRewriter();
        Verdict v = new Verdict();
        v.egressVlan(10);
        MemorySegment h = untaggedIpv4();
        assertTrue(r.start(h, (int) h.byteSize(), v));
        assertEquals(0, r.headLength(false), "untagged to an access port: copied as it is");
        MemorySegment t = tagged(h, 10);
        assertTrue(r.start(t, (int) t.byteSize(), v));
        assertEquals(10, r.ingressVlan());
        assertEquals(0, r.headLength(true), "tagged 10 to a trunk, egress VLAN 10: as it is");
    }

    @Test
    void aTagIsPushedForTrunksAndPoppedForAccessPortsKeepingThePriority() {
        HeaderRewriter r = new HeaderRewriter();
        Verdict v = new Verdict();
        v.egressVlan(20);
        MemorySegment h = untaggedIpv4();
        assertTrue(r.start(h, (int) h.byteSize(), v));
        assertArrayEquals(tagged(h, 20).toArray(ValueLayout.JAVA_BYTE), head(r, true));
        assertEquals(h.byteSize(), r.resume());

        MemorySegment t = tagged(h, 0xA000 | 30); // PCP 5, VLAN 30
        assertTrue(r.start(t, (int) t.byteSize(), v));
        assertArrayEquals(h.toArray(ValueLayout.JAVA_BYTE), head(r, false), "popped");
        assertArrayEquals(tagged(h, 0xA000 | 20).toArray(ValueLayout.JAVA_BYTE), head(r, true), "re-tagged, PCP kept");
        assertEquals(t.byteSize(), r.resume());
    }

    @Test
    void routingRewritesMacsAndTtlWithAValidChecksumInBothHeads() {
        HeaderRewriter r = new HeaderRewriter();
        Verdict v = new Verdict();
        v.egressVlan(20);
        v.setEthSource(0x02_00_00_00_00_01L);
        v.setEthDestination(0x02_00_00_00_00_02L);
        v.setDecrementTtl(true);
        MemorySegment h = untaggedIpv4();
        assertTrue(r.start(h, (int) h.byteSize(), v));
        for (boolean tagged : new boolean[] {false, true}) {
            MemorySegment out = MemorySegment.ofArray(head(r, tagged));
            int l3 = tagged ? 18 : 14;
            assertEquals(0x02, out.get(ValueLayout.JAVA_BYTE, 5));
            assertEquals(0x01, out.get(ValueLayout.JAVA_BYTE, 11));
            assertEquals(63, out.get(ValueLayout.JAVA_BYTE, l3 + 8));
            assertTrue(Checksum.verify(out, l3, 20));
        }
        assertEquals(64, h.get(ValueLayout.JAVA_BYTE, 22), "the source is never written");
    }

    @Test
    void aTtlDecrementLeavesNonIpv4AndShortHeadersAlone() {
        HeaderRewriter r = new HeaderRewriter();
        Verdict v = new Verdict();
        v.egressVlan(10);
        v.setDecrementTtl(true);
        MemorySegment arp = untaggedIpv4();
        arp.set(BE, 12, (short) 0x0806);
        assertTrue(r.start(arp, (int) arp.byteSize(), v));
        assertArrayEquals(arp.toArray(ValueLayout.JAVA_BYTE), head(r, false));
        MemorySegment runt = untaggedIpv4();
        assertTrue(r.start(runt, 20, v), "an Ethernet header, but only 6 bytes of IPv4");
        assertArrayEquals(runt.asSlice(0, 20).toArray(ValueLayout.JAVA_BYTE), head(r, false));
        assertFalse(r.start(runt, 13, v), "no Ethernet header");
        MemorySegment shortTag = tagged(untaggedIpv4(), 10);
        assertFalse(r.start(shortTag, 16, v), "a tag claimed without room for it");
    }

    @Test
    void aPrioritySetByAFlowIsWrittenInTheTagAndKeepsTheDeiBit() {
        HeaderRewriter r = new HeaderRewriter();
        Verdict v = new Verdict();
        v.egressVlan(10);
        v.setVlanPcp(3);
        MemorySegment h = untaggedIpv4();
        assertTrue(r.start(h, (int) h.byteSize(), v));
        assertEquals(0, r.headLength(false), "untagged out: no tag to carry the priority");
        assertArrayEquals(tagged(h, 3 << 13 | 10).toArray(ValueLayout.JAVA_BYTE), head(r, true));
        MemorySegment t = tagged(h, 0xB000 | 10); // PCP 5, DEI set, VLAN 10
        assertTrue(r.start(t, (int) t.byteSize(), v));
        assertArrayEquals(tagged(h, 3 << 13 | 0x1000 | 10).toArray(ValueLayout.JAVA_BYTE), head(r, true),
                "the same VLAN, a new priority: a head is written");
        v.setVlanPcp(5);
        assertTrue(r.start(t, (int) t.byteSize(), v));
        assertEquals(0, r.headLength(true), "the priority it came with: copied as it is");
    }
}
