package io.virtio4j.ovs.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.spi.net.VirtioNetHeader;

/** Each way a guest's TX virtio-net header can be hostile is refused for its own reason; good ones are read. */
class OffloadCheckTest {
    private static final long ALL = VirtioFeature.NET_CSUM.mask() | VirtioFeature.NET_HOST_TSO4.mask()
            | VirtioFeature.NET_HOST_TSO6.mask();
    private static final int HEAD = 128;

    private final MemorySegment vnetBytes = Arena.ofAuto().allocate(VirtioNetHeader.SIZE);
    private final VirtioNetHeader vnet = new VirtioNetHeader().wrap(vnetBytes, 0);
    private final FrameOffload out = new FrameOffload();
    private byte[] frame = TcpFrames.ipv4(4000, true);

    private OffloadError check(long features) {
        int head = Math.min(HEAD, frame.length);
        MemorySegment copy = MemorySegment.ofArray(java.util.Arrays.copyOf(frame, head));
        return OffloadCheck.check(vnet, features, copy, head, frame.length, out);
    }

    private VirtioNetHeader tso4() {
        return vnet.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4)
                .hdrLen(TcpFrames.V4_HEADERS).gsoSize(1448).csumStart(34).csumOffset(16);
    }

    @Test
    void aGoodSuperFrameIsRead() {
        tso4();
        assertNull(check(ALL));
        assertTrue(out.active());
        assertEquals(VirtioNetHeader.GSO_TCPV4, out.gsoType());
        assertEquals(1448, out.gsoSize());
        assertEquals(34, out.csumStart());
        assertEquals(14, out.l3Offset());
        assertEquals(TcpFrames.V4_HEADERS, out.headersEnd());
    }

    @Test
    void aGoodIpv6SuperFrameAndAPartialChecksumAreRead() {
        frame = TcpFrames.ipv6(3000, true);
        vnet.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV6).gsoSize(1428).csumStart(54).csumOffset(16);
        assertNull(check(ALL));
        assertEquals(TcpFrames.V6_HEADERS, out.headersEnd());
        frame = TcpFrames.ipv4(100, true);
        vnet.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16);
        assertNull(check(VirtioFeature.NET_CSUM.mask()));
        assertTrue(out.needsCsum());
        assertEquals(0, out.gsoType());
    }

    @Test
    void aZeroHeaderIsACompleteFrame() {
        vnet.clear();
        assertNull(check(0));
        assertFalse(out.active());
    }

    @Test
    void dataValidOrUnknownFlagsAreRefused() {
        tso4().flags(VirtioNetHeader.F_NEEDS_CSUM | VirtioNetHeader.F_DATA_VALID);
        assertEquals(OffloadError.BAD_FLAGS, check(ALL));
        tso4().flags(0x80);
        assertEquals(OffloadError.BAD_FLAGS, check(ALL));
        vnet.clear().flags(VirtioNetHeader.F_RSC_INFO);
        assertEquals(OffloadError.BAD_FLAGS, check(ALL));
    }

    @Test
    void anOffloadTheGuestDidNotNegotiateIsRefused() {
        vnet.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16);
        assertEquals(OffloadError.NOT_NEGOTIATED, check(0));
        tso4();
        assertEquals(OffloadError.NOT_NEGOTIATED, check(VirtioFeature.NET_CSUM.mask() | VirtioFeature.NET_HOST_TSO6.mask()));
        tso4().gsoType(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN);
        assertEquals(OffloadError.NOT_NEGOTIATED, check(ALL));
    }

    @Test
    void udpOrUndefinedGsoTypesAreRefused() {
        tso4().gsoType(VirtioNetHeader.GSO_UDP);
        assertEquals(OffloadError.BAD_GSO_TYPE, check(ALL));
        tso4().gsoType(VirtioNetHeader.GSO_UDP_L4);
        assertEquals(OffloadError.BAD_GSO_TYPE, check(ALL));
        tso4().gsoType(0x42);
        assertEquals(OffloadError.BAD_GSO_TYPE, check(ALL));
    }

    @Test
    void gsoWithoutNeedsCsumIsRefused() {
        tso4().flags(0);
        assertEquals(OffloadError.GSO_WITHOUT_CSUM, check(ALL));
    }

    @Test
    void aChecksumOutsideTheFrameOrOverTheEthernetHeaderIsRefused() {
        frame = TcpFrames.ipv4(100, true);
        vnet.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(frame.length - 1).csumOffset(0);
        assertEquals(OffloadError.CSUM_OUT_OF_FRAME, check(ALL));
        vnet.csumStart(34).csumOffset(0xffff);
        assertEquals(OffloadError.CSUM_OUT_OF_FRAME, check(ALL));
        vnet.csumStart(0xffff).csumOffset(0xffff);
        assertEquals(OffloadError.CSUM_OUT_OF_FRAME, check(ALL));
        vnet.csumStart(6).csumOffset(2);
        assertEquals(OffloadError.CSUM_OUT_OF_FRAME, check(ALL));
    }

    @Test
    void aZeroOrTinySegmentSizeIsRefused() {
        tso4().gsoSize(0);
        assertEquals(OffloadError.BAD_GSO_SIZE, check(ALL));
        // 4000 bytes in 1-byte segments: far more than MAX_SEGMENTS.
        tso4().gsoSize(1);
        assertEquals(OffloadError.BAD_GSO_SIZE, check(ALL));
        frame = TcpFrames.ipv4(0, true);
        tso4();
        assertEquals(OffloadError.BAD_GSO_SIZE, check(ALL));
    }

    @Test
    void aHeaderLengthBeyondTheFrameIsRefused() {
        tso4().hdrLen(frame.length + 1);
        assertEquals(OffloadError.BAD_HDR_LEN, check(ALL));
    }

    @Test
    void superFrameHeadersThatAreNotWhatTheTypeSaysAreRefused() {
        tso4().gsoType(VirtioNetHeader.GSO_TCPV6);
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
        tso4().csumStart(38);
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
        tso4().csumOffset(6);
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
        frame[14 + 9] = 17;
        tso4();
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
        frame = TcpFrames.ipv4(4000, true);
        frame[14 + 6] = 0x20; // more fragments
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
        frame = TcpFrames.ipv4(4000, true);
        frame[34 + 12] = 0x10; // TCP data offset 1: below the minimum
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
        frame = TcpFrames.ipv4(4000, true);
        frame[34 + 12] = (byte) 0xf0; // a 60-byte TCP header still ends inside the header bytes read (94 < 128)
        assertNull(check(ALL));
        // The checksum field fits (34 + 18 <= 60), the 32-byte TCP header does not.
        frame = java.util.Arrays.copyOf(TcpFrames.ipv4(4000, true), 60);
        tso4().hdrLen(0);
        assertEquals(OffloadError.BAD_GSO_HEADERS, check(ALL));
    }

    @Test
    void aPlainFrameLongerThanAJumboIsRefused() {
        frame = new byte[OffloadCheck.MAX_PLAIN_FRAME + 1];
        vnet.clear();
        assertEquals(OffloadError.OVERSIZED, check(ALL));
        frame = TcpFrames.ipv4(OffloadCheck.MAX_PLAIN_FRAME, true);
        vnet.clear().flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16);
        assertEquals(OffloadError.OVERSIZED, check(ALL));
    }
}
