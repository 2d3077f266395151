package io.virtio4j.tap;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.LinuxHeaders;
import io.virtio4j.testing.NeedsKernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The shared header flyweight (backend-spi) against the installed linux/virtio_net.h, read by this module's LinuxHeaders. */
class VirtioNetHeaderTest {
    /** Field offsets of struct virtio_net_hdr_mrg_rxbuf computed from the header's field types. */
    private static Map<String, Integer> headerOffsets() throws Exception {
        String text = LinuxHeaders.text("virtio_net.h");
        Matcher body = Pattern.compile("struct virtio_net_hdr \\{(.*?)\\};", Pattern.DOTALL).matcher(text);
        if (!body.find()) {
            throw new AssertionError("struct virtio_net_hdr not found");
        }
        Map<String, Integer> offsets = new LinkedHashMap<>();
        int offset = 0;
        Matcher field = Pattern.compile("(__u8|__virtio16)\\s+(\\w+);").matcher(body.group(1));
        while (field.find()) {
            offsets.put(field.group(2), offset);
            offset += field.group(1).equals("__u8") ? 1 : 2;
        }
        // virtio_net_hdr_mrg_rxbuf appends __virtio16 num_buffers after the 10-byte header.
        offsets.put("num_buffers", offset);
        offsets.put("size", offset + 2);
        return offsets;
    }

    @NeedsKernel
    @Test
    void offsetsMatchTheInstalledHeader() throws Exception {
        Map<String, Integer> o = headerOffsets();
        assertEquals(o.get("flags"), VirtioNetHeader.FLAGS);
        assertEquals(o.get("gso_type"), VirtioNetHeader.GSO_TYPE);
        assertEquals(o.get("hdr_len"), VirtioNetHeader.HDR_LEN);
        assertEquals(o.get("gso_size"), VirtioNetHeader.GSO_SIZE);
        assertEquals(o.get("csum_start"), VirtioNetHeader.CSUM_START);
        assertEquals(o.get("csum_offset"), VirtioNetHeader.CSUM_OFFSET);
        assertEquals(o.get("num_buffers"), VirtioNetHeader.NUM_BUFFERS);
        assertEquals(o.get("size"), VirtioNetHeader.SIZE);
    }

    @NeedsKernel
    @Test
    void constantsMatchTheInstalledHeader() throws Exception {
        Map<String, String> d = LinuxHeaders.defines("virtio_net.h");
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_F_NEEDS_CSUM"), VirtioNetHeader.F_NEEDS_CSUM);
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_F_DATA_VALID"), VirtioNetHeader.F_DATA_VALID);
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_GSO_NONE"), VirtioNetHeader.GSO_NONE);
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_GSO_TCPV4"), VirtioNetHeader.GSO_TCPV4);
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_GSO_UDP"), VirtioNetHeader.GSO_UDP);
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_GSO_TCPV6"), VirtioNetHeader.GSO_TCPV6);
        assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_GSO_ECN"), VirtioNetHeader.GSO_ECN);
        if (d.containsKey("VIRTIO_NET_HDR_GSO_UDP_L4")) {
            assertEquals(LinuxHeaders.number(d, "VIRTIO_NET_HDR_GSO_UDP_L4"), VirtioNetHeader.GSO_UDP_L4);
        }
    }

    @Test
    void fieldsAreLittleEndianAtTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(20);
            new VirtioNetHeader().wrap(buffer, 4)
                    .flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4)
                    .hdrLen(0x0136).gsoSize(1400).csumStart(34).csumOffset(16).numBuffers(2);
            byte[] bytes = buffer.asSlice(4, 12).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(new byte[] {1, 1, 0x36, 0x01, 0x78, 0x05, 34, 0, 16, 0, 2, 0}, bytes);
            VirtioNetHeader read = new VirtioNetHeader().wrap(buffer, 4);
            assertEquals(1400, read.gsoSize());
            assertEquals(0x136, read.hdrLen());
            assertEquals(2, read.numBuffers());
            read.clear();
            assertEquals(0, read.flags() | read.gsoType() | read.gsoSize() | read.numBuffers());
        }
    }

    @Test
    void wrapRejectsAHeaderThatDoesNotFit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(16);
            VirtioNetHeader header = new VirtioNetHeader();
            header.wrap(buffer, 4);
            assertThrows(IndexOutOfBoundsException.class, () -> header.wrap(buffer, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> header.wrap(buffer, -1));
        }
    }
}
