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

    /** A TCP (6) or UDP (17) packet over untagged IPv4, both checksums computed in full, as bytes. */
    private static byte[] l4Frame(int protocol, boolean udpChecksum) {
        byte[] l4 = protocol == 6 ? io.virtio4j.ovs.testing.Frames.tcp(40000, 80)
                : io.virtio4j.ovs.testing.Frames.udp(5000, 5001, new byte[] {1, 2, 3, 4, 5, 6, 7});
        byte[] frame = io.virtio4j.ovs.testing.Frames.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL, 0, 0x0800,
                io.virtio4j.ovs.testing.Frames.ipv4(0x0a00_0001, 0x0a00_0002, 64, protocol, l4));
        if (protocol == 6 || udpChecksum) {
            fixL4(frame);
        }
        return frame;
    }

    /** Recomputes the TCP or UDP checksum of {@code frame} over its pseudo-header, from scratch. */
    private static void fixL4(byte[] frame) {
        int l4 = 14 + 20;
        int at = l4 + (frame[14 + 9] == 6 ? 16 : 6);
        frame[at] = 0;
        frame[at + 1] = 0;
        int length = frame.length - l4;
        byte[] pseudo = new byte[12 + length];
        System.arraycopy(frame, 14 + 12, pseudo, 0, 8);
        pseudo[9] = frame[14 + 9];
        pseudo[10] = (byte) (length >> 8);
        pseudo[11] = (byte) length;
        System.arraycopy(frame, l4, pseudo, 12, length);
        int sum = io.virtio4j.ovs.testing.Frames.internetChecksum(pseudo, 0, pseudo.length);
        frame[at] = (byte) (sum >> 8);
        frame[at + 1] = (byte) sum;
    }

    /** {@code frame} with its IPv4 source or destination replaced and the header checksum computed from scratch. */
    private static byte[] withAddress(byte[] frame, boolean source, int address) {
        byte[] out = frame.clone();
        java.nio.ByteBuffer.wrap(out).putInt(14 + (source ? 12 : 16), address).putShort(14 + 10, (short) 0);
        int sum = io.virtio4j.ovs.testing.Frames.internetChecksum(out, 14, 20);
        out[24] = (byte) (sum >> 8);
        out[25] = (byte) sum;
        return out;
    }

    private static byte[] rewritten(byte[] frame, Verdict v, boolean partial) {
        HeaderRewriter r = new HeaderRewriter();
        MemorySegment h = MemorySegment.ofArray(frame.clone());
        assertTrue(r.start(h, frame.length, v, partial));
        return head(r, false);
    }

    @Test
    void ipv4AddressesAreSetWithTheIpAndL4ChecksumsUpdated() {
        Verdict v = new Verdict();
        v.egressVlan(10);
        v.setIpv4Destination(0xc0a8_0105L);
        v.setIpv4Source(0xac10_0001L);
        for (int protocol : new int[] {6, 17}) {
            byte[] frame = l4Frame(protocol, true);
            byte[] expected = withAddress(withAddress(frame, false, 0xc0a8_0105), true, 0xac10_0001);
            fixL4(expected);
            assertArrayEquals(expected, rewritten(frame, v, false), "protocol " + protocol + ": both checksums right");
        }
        byte[] noChecksum = l4Frame(17, false);
        assertArrayEquals(withAddress(withAddress(noChecksum, false, 0xc0a8_0105), true, 0xac10_0001), rewritten(noChecksum, v, false),
                "a UDP datagram without a checksum keeps none");
    }

    @Test
    void aPartialChecksumLeftToTheDeviceIsUpdatedAsASum() {
        // The guest left the TCP checksum to the device: the field holds the pseudo-header's folded sum.
        byte[] frame = l4Frame(6, true);
        Verdict v = new Verdict();
        v.egressVlan(10);
        v.setIpv4Destination(0xc0a8_0105L);
        byte[] partial = frame.clone();
        int sum = pseudoSum(partial);
        partial[14 + 20 + 16] = (byte) (sum >> 8);
        partial[14 + 20 + 17] = (byte) sum;
        byte[] out = rewritten(partial, v, true);
        byte[] expected = withAddress(frame, false, 0xc0a8_0105);
        int after = pseudoSum(expected);
        expected[14 + 20 + 16] = (byte) (after >> 8);
        expected[14 + 20 + 17] = (byte) after;
        assertArrayEquals(expected, out, "the partial sum of the new pseudo-header");
    }

    /** The folded, uncomplemented sum of a TCP pseudo-header (what a NEEDS_CSUM field holds). */
    private static int pseudoSum(byte[] frame) {
        int length = frame.length - 34;
        int sum = 6 + length;
        for (int i = 14 + 12; i < 14 + 20; i += 2) {
            sum += (frame[i] & 0xff) << 8 | frame[i + 1] & 0xff;
        }
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }
}
