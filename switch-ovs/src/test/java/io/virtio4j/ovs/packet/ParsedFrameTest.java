package io.virtio4j.ovs.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.testing.Frames;

class ParsedFrameTest {
    private static final long A = 0x0200_0000_000aL;
    private static final long B = 0x0200_0000_000bL;
    private final ParsedFrame f = new ParsedFrame();

    private boolean parse(byte[] frame, int length) {
        int header = Math.min(length, FramePipeline.HEADER_BYTES);
        MemorySegment scratch = MemorySegment.ofArray(new byte[FramePipeline.HEADER_BYTES]);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, header);
        return f.parse(scratch, header, length);
    }

    private static byte[] ping(int vlan, int ttl) {
        return Frames.ethernet(B, A, vlan, 0x0800, Frames.ipv4(Ipv4.parse("10.0.1.10"), Ipv4.parse("10.0.2.20"), ttl, 1,
                Frames.icmp(8, 0, 0x00010001, new byte[4])));
    }

    @Test
    void parsesATaggedIcmpEcho() {
        byte[] frame = ping(20, 9);
        assertTrue(parse(frame, frame.length));
        assertEquals(B, f.ethDestination());
        assertEquals(A, f.ethSource());
        assertEquals(20, f.vlan());
        assertEquals(18, f.l3Offset());
        assertEquals(0x0800, f.ethType());
        assertEquals(Ipv4.parse("10.0.2.20"), f.networkDestination());
        assertEquals(Ipv4.parse("10.0.1.10"), f.ipSource());
        assertEquals(9, f.ttl());
        assertEquals(1, f.ipProtocol());
        assertEquals(8, f.icmpType());
        assertTrue(f.ipPacketCaptured());
    }

    @Test
    void parsesAnArpRequest() {
        byte[] frame = Frames.ethernet(-1L >>> 16, A, 0, 0x0806,
                Frames.arp(1, A, Ipv4.parse("10.0.1.10"), 0, Ipv4.parse("10.0.1.1")));
        assertTrue(parse(frame, frame.length));
        assertEquals(0, f.vlan());
        assertTrue(f.isArp());
        assertEquals(1, f.arpOperation());
        assertEquals(A, f.arpSenderMac());
        assertEquals(Ipv4.parse("10.0.1.10"), f.arpSenderIp());
        assertEquals(Ipv4.parse("10.0.1.1"), f.arpTargetIp());
        assertEquals(Ipv4.parse("10.0.1.1"), f.networkDestination());
    }

    @Test
    void everyTruncationOfAnIpv4OrArpFrameIsMalformedAndNeverThrows() {
        byte[][] frames = {
            ping(0, 64), ping(20, 64),
            Frames.ethernet(-1L >>> 16, A, 10, 0x0806, Frames.arp(1, A, 1, 0, 2)),
            Frames.ethernet(-1L >>> 16, A, 0, 0x0806, Frames.arp(2, A, 1, B, 2)),
        };
        for (byte[] frame : frames) {
            for (int n = 0; n < frame.length; n++) {
                assertFalse(parse(frame, n), "truncated to " + n + " of " + frame.length);
            }
            assertTrue(parse(frame, frame.length));
        }
    }

    @Test
    void otherEtherTypesNeedOnlyTheirEthernetHeader() {
        byte[] frame = Frames.ethernet(B, A, 10, 0x86dd, new byte[40]);
        for (int n = 0; n < 18; n++) {
            assertFalse(parse(frame, n), "cut to " + n);
        }
        for (int n = 18; n <= frame.length; n++) {
            assertTrue(parse(frame, n));
        }
    }

    @Test
    void rejectsIpv4HeadersThatLie() {
        byte[] good = ping(0, 64);
        byte[] v6 = good.clone();
        v6[14] = 0x65;
        assertFalse(parse(v6, v6.length), "version 6 in an IPv4 EtherType");
        byte[] shortIhl = good.clone();
        shortIhl[14] = 0x44;
        assertFalse(parse(shortIhl, shortIhl.length), "IHL 4");
        byte[] longIhl = good.clone();
        longIhl[14] = 0x4f;
        assertFalse(parse(longIhl, longIhl.length), "IHL 15 beyond the packet");
        byte[] tooLong = good.clone();
        tooLong[16] = 0x05;
        assertFalse(parse(tooLong, tooLong.length), "total length beyond the frame");
        byte[] belowHeader = good.clone();
        belowHeader[16] = 0;
        belowHeader[17] = 19;
        assertFalse(parse(belowHeader, belowHeader.length), "total length below the header");
        byte[] padded = java.util.Arrays.copyOf(good, good.length + 20);
        assertTrue(parse(padded, padded.length), "Ethernet padding after the IP packet is fine");
    }

    @Test
    void rejectsArpThatIsNotIpv4OverEthernet() {
        byte[] frame = Frames.ethernet(-1L >>> 16, A, 0, 0x0806, Frames.arp(1, A, 1, 0, 2));
        byte[] badHlen = frame.clone();
        badHlen[14 + 4] = 8;
        assertFalse(parse(badHlen, badHlen.length));
        byte[] badProto = frame.clone();
        badProto[14 + 2] = (byte) 0x86;
        assertFalse(parse(badProto, badProto.length));
    }

    @Test
    void priorityTagsAndVid4095AreInvalidVlans() {
        byte[] vid0 = Frames.ethernet(B, A, 0, 0x0800, new byte[0]);
        // Build a tag with VID 0 by hand: ethernet() treats 0 as untagged.
        byte[] tagged = new byte[18];
        System.arraycopy(vid0, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81;
        tagged[14] = (byte) 0xe0; // PCP 7, VID 0
        tagged[16] = 0x12;
        tagged[17] = 0x34;
        assertTrue(parse(tagged, tagged.length));
        assertEquals(ParsedFrame.INVALID_VLAN, f.vlan());
        assertEquals(0x1234, f.ethType());
        byte[] vid4095 = Frames.ethernet(B, A, 4095, 0x1234, new byte[0]);
        assertTrue(parse(vid4095, vid4095.length));
        assertEquals(ParsedFrame.INVALID_VLAN, f.vlan());
    }

    @Test
    void aHeaderLengthBeyondTheScratchOrTheFrameIsMalformed() {
        MemorySegment small = MemorySegment.ofArray(new byte[20]);
        assertFalse(f.parse(small, 40, 60), "claims more captured bytes than the scratch holds");
        assertFalse(f.parse(MemorySegment.ofArray(new byte[86]), 60, 50), "captured more than the frame");
        assertFalse(f.parse(small, -1, 60));
    }

    private static final byte[] V6_A = Frames.ipv6Address("2001:db8::a");
    private static final byte[] V6_B = Frames.ipv6Address("2001:db8:1::b");

    @Test
    void readsTheTagPriorityAndThePortsOfTcpAndUdpOverIpv4() {
        byte[] frame = Frames.ethernet(B, A, 20, 0x0800, Frames.ipv4(Ipv4.parse("10.0.1.10"), Ipv4.parse("10.0.2.20"), 64, 6,
                Frames.tcp(40000, 80)));
        frame[14] = (byte) (frame[14] | 5 << 5); // PCP 5 in the tag
        assertTrue(parse(frame, frame.length));
        assertEquals(20, f.vlan());
        assertEquals(5, f.vlanPcp());
        assertEquals(6, f.ipProtocol());
        assertEquals(40000, f.l4Source());
        assertEquals(80, f.l4Destination());
        byte[] udp = Frames.ethernet(B, A, 0, 0x0800, Frames.ipv4(1, 2, 64, 17, Frames.udp(68, 67, new byte[8])));
        assertTrue(parse(udp, udp.length));
        assertEquals(0, f.vlanPcp(), "untagged: priority 0");
        assertEquals(68, f.l4Source());
        assertEquals(67, f.l4Destination());
    }

    @Test
    void icmpTypeAndCodeAreTheL4FieldsAsInOvs() {
        byte[] frame = ping(0, 64);
        assertTrue(parse(frame, frame.length));
        assertEquals(8, f.l4Source());
        assertEquals(0, f.l4Destination());
    }

    @Test
    void aPacketCutBeforeItsPortsHasNoneAndIsNotMalformed() {
        byte[] whole = Frames.ethernet(B, A, 0, 0x0800, Frames.ipv4(1, 2, 64, 6, Frames.tcp(1234, 80)));
        // The IPv4 total length says 20 + 3 bytes: the ports (4 bytes) are not all in the packet.
        byte[] cut = java.util.Arrays.copyOf(whole, 14 + 23);
        cut[16] = 0;
        cut[17] = 23;
        assertTrue(parse(cut, cut.length));
        assertEquals(6, f.ipProtocol());
        assertEquals(-1, f.l4Source());
        assertEquals(-1, f.l4Destination());
        // A later fragment carries no L4 header at all.
        byte[] fragment = whole.clone();
        fragment[14 + 7] = 1; // fragment offset 8 bytes
        assertTrue(parse(fragment, fragment.length));
        assertEquals(-1, f.l4Destination());
    }

    @Test
    void parsesIpv6AddressesAndTheProtocolBehindExtensionHeaders() {
        byte[] hopByHop = new byte[8];
        hopByHop[0] = 17; // next: UDP; length 0: 8 bytes
        byte[] payload = new byte[8 + 8 + 4];
        System.arraycopy(hopByHop, 0, payload, 0, 8);
        System.arraycopy(Frames.udp(546, 547, new byte[4]), 0, payload, 8, 12);
        byte[] frame = Frames.ethernet(B, A, 0, 0x86dd, Frames.ipv6(V6_A, V6_B, 0, payload));
        assertTrue(parse(frame, frame.length));
        assertTrue(f.hasIpv6Addresses());
        assertEquals(0x2001_0db8_0000_0000L, f.ipv6SourceHigh());
        assertEquals(0xaL, f.ipv6SourceLow());
        assertEquals(0x2001_0db8_0001_0000L, f.ipv6DestinationHigh());
        assertEquals(0xbL, f.ipv6DestinationLow());
        assertEquals(17, f.ipProtocol());
        assertEquals(546, f.l4Source());
        assertEquals(547, f.l4Destination());

        byte[] icmp6 = Frames.ethernet(B, A, 0, 0x86dd, Frames.ipv6(V6_A, V6_B, 58, new byte[] {(byte) 135, 0, 0, 0}));
        assertTrue(parse(icmp6, icmp6.length));
        assertEquals(58, f.ipProtocol());
        assertEquals(135, f.l4Source(), "ICMPv6 neighbour solicitation");
    }

    @Test
    void anIpv6HeaderCutShortHasNoFieldsButIsNotMalformed() {
        byte[] frame = Frames.ethernet(B, A, 0, 0x86dd, Frames.ipv6(V6_A, V6_B, 6, Frames.tcp(1, 2)));
        for (int length = 14; length < 14 + 40; length++) {
            assertTrue(parse(frame, length), "cut at " + length);
            assertFalse(f.hasIpv6Addresses());
            assertEquals(-1, f.ipProtocol());
            assertEquals(-1, f.l4Source());
        }
        // Whole header, ports cut: addresses and protocol, no ports; the payload length bounds them too.
        assertTrue(parse(frame, 14 + 40 + 3));
        assertTrue(f.hasIpv6Addresses());
        assertEquals(6, f.ipProtocol());
        assertEquals(-1, f.l4Source());
        byte[] lying = frame.clone();
        lying[14 + 5] = 2; // payload length 2: the ports lie past the packet
        assertTrue(parse(lying, lying.length));
        assertEquals(-1, f.l4Destination());
        // A chain of five extension headers: more than are looked through.
        byte[] chain = new byte[5 * 8 + 20];
        for (int i = 0; i < 5; i++) {
            chain[8 * i] = (byte) (i < 4 ? 60 : 6);
        }
        byte[] deep = Frames.ethernet(B, A, 0, 0x86dd, Frames.ipv6(V6_A, V6_B, 60, chain));
        assertTrue(parse(deep, deep.length));
        assertEquals(-1, f.ipProtocol());
    }
}
