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
}
