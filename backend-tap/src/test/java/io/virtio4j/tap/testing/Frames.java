package io.virtio4j.tap.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Builds and checks Ethernet/IPv4/UDP/TCP frames in native memory for the real-kernel tests.
 * Offsets: Ethernet 0..13, IPv4 14..33 (no options), L4 from 34. Payload convention shared with
 * the python helpers: 8-byte big-endian sequence number, then bytes {@code (seq + i) & 0xff}.
 */
public final class Frames {
    public static final int ETH = 14;
    public static final int IP = 20;
    public static final int UDP = 8;
    public static final int TCP = 20;
    public static final int L4 = ETH + IP;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Frames() {
    }

    public static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    public static int ipv4(String dotted) {
        String[] parts = dotted.split("\\.");
        int address = 0;
        for (String part : parts) {
            address = address << 8 | Integer.parseInt(part);
        }
        return address;
    }

    public static int u8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    public static int u16(MemorySegment s, long offset) {
        return s.get(BE16, offset) & 0xffff;
    }

    public static void u16(MemorySegment s, long offset, int value) {
        s.set(BE16, offset, (short) value);
    }

    public static int u32(MemorySegment s, long offset) {
        return s.get(BE32, offset);
    }

    public static void u32(MemorySegment s, long offset, int value) {
        s.set(BE32, offset, value);
    }

    public static void ethernet(MemorySegment f, byte[] dst, byte[] src, int etherType) {
        MemorySegment.copy(dst, 0, f, ValueLayout.JAVA_BYTE, 0, 6);
        MemorySegment.copy(src, 0, f, ValueLayout.JAVA_BYTE, 6, 6);
        u16(f, 12, etherType);
    }

    /** IPv4 header at 14 with a correct header checksum; {@code l4Length} bytes follow it. */
    public static void ipv4Header(MemorySegment f, int protocol, int src, int dst, int l4Length, int id) {
        f.asSlice(ETH, IP).fill((byte) 0);
        f.set(ValueLayout.JAVA_BYTE, ETH, (byte) 0x45);
        u16(f, ETH + 2, IP + l4Length);
        u16(f, ETH + 4, id);
        u16(f, ETH + 6, 0x4000); // DF
        f.set(ValueLayout.JAVA_BYTE, ETH + 8, (byte) 64);
        f.set(ValueLayout.JAVA_BYTE, ETH + 9, (byte) protocol);
        u32(f, ETH + 12, src);
        u32(f, ETH + 16, dst);
        u16(f, ETH + 10, ~sum(f, ETH, IP, 0) & 0xffff);
    }

    /** Writes the shared payload pattern for {@code seq} into {@code length} bytes at {@code offset}. */
    public static void payload(MemorySegment f, long offset, int length, long seq) {
        f.set(BE64, offset, seq);
        for (int i = 0; i < length - 8; i++) {
            f.set(ValueLayout.JAVA_BYTE, offset + 8 + i, (byte) (seq + i));
        }
    }

    /** True if {@code length} bytes at {@code offset} are the payload of sequence {@code seq}. */
    public static boolean payloadMatches(MemorySegment f, long offset, int length, long seq) {
        if (length < 8 || f.get(BE64, offset) != seq) {
            return false;
        }
        for (int i = 0; i < length - 8; i++) {
            if (f.get(ValueLayout.JAVA_BYTE, offset + 8 + i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@link #payloadMatches} until the JIT compiled it: a test guest that checks every byte
     * interpreted is slower than the data path it tests, and its queue overflows while it warms up.
     */
    public static void compilePayloadCheck(int payload) {
        MemorySegment frame = MemorySegment.ofArray(new byte[L4 + UDP + payload]);
        payload(frame, L4 + UDP, payload, 1);
        int matches = 0;
        for (int i = 0; i < 20_000; i++) {
            matches += payloadMatches(frame, L4 + UDP, payload, 1) ? 1 : 0;
        }
        if (matches != 20_000) {
            throw new IllegalStateException("payloadMatches rejected its own payload");
        }
    }

    public static long sequence(MemorySegment f, long offset) {
        return f.get(BE64, offset);
    }

    /** A complete Ethernet/IPv4/UDP frame with valid checksums; returns its length. */
    public static int udpFrame(MemorySegment f, byte[] dstMac, byte[] srcMac, int src, int dst,
                               int srcPort, int dstPort, int payloadLength, long seq) {
        ethernet(f, dstMac, srcMac, ETHERTYPE_IPV4);
        ipv4Header(f, PROTO_UDP, src, dst, UDP + payloadLength, (int) seq);
        u16(f, L4, srcPort);
        u16(f, L4 + 2, dstPort);
        u16(f, L4 + 4, UDP + payloadLength);
        u16(f, L4 + 6, 0);
        payload(f, L4 + UDP, payloadLength, seq);
        int checksum = ~sum(f, L4, UDP + payloadLength, pseudoHeader(f, PROTO_UDP, UDP + payloadLength)) & 0xffff;
        u16(f, L4 + 6, checksum == 0 ? 0xffff : checksum);
        return L4 + UDP + payloadLength;
    }

    /** Whether {@code f} (an Ethernet frame of {@code length} bytes) is IPv4 UDP to {@code port}. */
    public static boolean isUdpTo(MemorySegment f, int length, int port) {
        return length >= L4 + UDP && u16(f, 12) == ETHERTYPE_IPV4 && u8(f, ETH + 9) == PROTO_UDP && u16(f, L4 + 2) == port;
    }

    /** The one's-complement sum of the IPv4 pseudo-header of the frame's IP addresses. */
    public static int pseudoHeader(MemorySegment f, int protocol, int l4Length) {
        return sum(f, ETH + 12, 8, protocol + l4Length);
    }

    /** Folded 16-bit one's-complement sum of {@code length} bytes at {@code offset}, plus {@code initial}. */
    public static int sum(MemorySegment f, long offset, int length, int initial) {
        long sum = initial & 0xffffffffL;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += u16(f, offset + i);
        }
        if (i < length) {
            sum += u8(f, offset + i) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** True if the IPv4 header checksum of the frame verifies. */
    public static boolean ipv4ChecksumValid(MemorySegment f) {
        return sum(f, ETH, IP, 0) == 0xffff;
    }

    /** True if the UDP or TCP checksum of the frame's L4 segment (pseudo-header included) verifies. */
    public static boolean l4ChecksumValid(MemorySegment f) {
        int l4Length = u16(f, ETH + 2) - IP;
        int protocol = u8(f, ETH + 9);
        return sum(f, L4, l4Length, pseudoHeader(f, protocol, l4Length)) == 0xffff;
    }
}
