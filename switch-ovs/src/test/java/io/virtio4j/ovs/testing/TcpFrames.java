package io.virtio4j.ovs.testing;

import java.nio.ByteBuffer;

/**
 * TCP frames as a guest's stack hands them to a device with offloads, built byte by byte for the
 * tests, and an independent checksum (plain Java over a byte array, not the switch's code) to
 * verify what the switch produced.
 */
public final class TcpFrames {
    /** Ethernet + IPv4 (20) + TCP with timestamps (32): where a TCPv4 frame's payload starts. */
    public static final int V4_HEADERS = 14 + 20 + 32;
    /** Ethernet + IPv6 (40) + TCP with timestamps (32). */
    public static final int V6_HEADERS = 14 + 40 + 32;
    public static final int TCP_SEQ = 0x11223344;

    private TcpFrames() {
    }

    /**
     * A TCP/IPv4 frame from 02:..:01 (10.0.0.1:40000) to 02:..:02 (10.0.0.2:5201) with
     * {@code payload} bytes (pattern by index), CWR|PSH|ACK|FIN flags; the TCP checksum field holds the
     * pseudo-header sum as a stack leaves it for a partial checksum when {@code partial}, else the full one.
     */
    public static byte[] ipv4(int payload, boolean partial) {
        return ipv4(payload, partial, Endpoints.DEFAULT);
    }

    /** Who a frame is from and to. */
    public record Endpoints(byte[] sourceMac, byte[] destinationMac, int sourceIp, int destinationIp, int destinationPort) {
        static final Endpoints DEFAULT = new Endpoints(new byte[] {2, 0, 0, 0, 0, 1}, new byte[] {2, 0, 0, 0, 0, 2},
                0x0a000001, 0x0a000002, 5201);
    }

    /** As {@link #ipv4(int, boolean)} between {@code to}'s addresses. */
    public static byte[] ipv4(int payload, boolean partial, Endpoints to) {
        byte[] f = new byte[V4_HEADERS + payload];
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(to.destinationMac()).put(to.sourceMac()).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 32 + payload)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                .putInt(to.sourceIp()).putInt(to.destinationIp());
        putShort(f, 14 + 10, checksum(f, 14, 20, 0));
        tcp(b, f, payload, to.destinationPort());
        long pseudo = sum(f, 14 + 12, 8, 0) + 6 + 32 + payload;
        finishTcp(f, 14 + 20, 32 + payload, pseudo, partial);
        return f;
    }

    /** As {@link #ipv4} over IPv6 (fd00::1 to fd00::2, hop limit 64). */
    public static byte[] ipv6(int payload, boolean partial) {
        byte[] f = new byte[V6_HEADERS + payload];
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(Endpoints.DEFAULT.destinationMac()).put(Endpoints.DEFAULT.sourceMac()).putShort((short) 0x86dd);
        b.putInt(0x60000000).putShort((short) (32 + payload)).put((byte) 6).put((byte) 64);
        b.putLong(0xfd00000000000000L).putLong(1).putLong(0xfd00000000000000L).putLong(2);
        tcp(b, f, payload, Endpoints.DEFAULT.destinationPort());
        long pseudo = sum(f, 14 + 8, 32, 0) + 6 + 32 + payload;
        finishTcp(f, 14 + 40, 32 + payload, pseudo, partial);
        return f;
    }

    private static void tcp(ByteBuffer b, byte[] f, int payload, int destinationPort) {
        b.putShort((short) 40000).putShort((short) destinationPort).putInt(TCP_SEQ).putInt(0x55667788)
                .put((byte) 0x80).put((byte) 0x99).putShort((short) 502).putShort((short) 0).putShort((short) 0);
        // Options: NOP NOP timestamps.
        b.put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10).putInt(1000).putInt(2000);
        for (int i = 0; i < payload; i++) {
            f[b.position() + i] = (byte) (i * 7 + 3);
        }
    }

    private static void finishTcp(byte[] f, int l4, int length, long pseudo, boolean partial) {
        if (partial) {
            // Linux leaves ~csum_fold(pseudo) complemented back: the folded pseudo-header sum.
            putShort(f, l4 + 16, ~checksumFinish(pseudo) & 0xffff);
        } else {
            putShort(f, l4 + 16, checksum(f, l4, length, pseudo));
        }
    }

    /** The Internet checksum of {@code length} bytes of {@code f} from {@code offset} plus {@code initial}. */
    public static int checksum(byte[] f, int offset, int length, long initial) {
        return checksumFinish(sum(f, offset, length, initial));
    }

    public static long sum(byte[] f, int offset, int length, long initial) {
        long s = initial;
        for (int i = 0; i < length; i += 2) {
            int hi = f[offset + i] & 0xff;
            int lo = i + 1 < length ? f[offset + i + 1] & 0xff : 0;
            s += hi << 8 | lo;
        }
        return s;
    }

    public static int checksumFinish(long s) {
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    /** Whether the IPv4 or IPv6 TCP segment in {@code f} (length {@code length}) has a valid TCP checksum (and IPv4 header checksum). */
    public static boolean tcpChecksumValid(byte[] f, int length) {
        int l3 = u16(f, 12) == 0x8100 ? 18 : 14;
        if (u16(f, l3 - 2) == 0x0800) {
            int ihl = (f[l3] & 0xf) * 4;
            int total = u16(f, l3 + 2);
            if (checksum(f, l3, ihl, 0) != 0 || l3 + total != length) {
                return false;
            }
            int tcpLength = total - ihl;
            long pseudo = sum(f, l3 + 12, 8, 0) + 6 + tcpLength;
            return checksum(f, l3 + ihl, tcpLength, pseudo) == 0;
        }
        int tcpLength = u16(f, l3 + 4);
        if (l3 + 40 + tcpLength != length) {
            return false;
        }
        long pseudo = sum(f, l3 + 8, 32, 0) + 6 + tcpLength;
        return checksum(f, l3 + 40, tcpLength, pseudo) == 0;
    }

    /** {@code frame} with an 802.1Q tag of {@code vlan} inserted after its MAC addresses. */
    public static byte[] tagged(byte[] frame, int vlan) {
        byte[] t = new byte[frame.length + 4];
        System.arraycopy(frame, 0, t, 0, 12);
        putShort(t, 12, 0x8100);
        putShort(t, 14, vlan);
        System.arraycopy(frame, 12, t, 16, frame.length - 12);
        return t;
    }

    /** The 6 bytes of {@code mac} (48 bits in a long). */
    public static byte[] mac(long mac) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return b;
    }

    public static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | f[at + 1] & 0xff;
    }

    public static long u32(byte[] f, int at) {
        return ((long) u16(f, at) << 16 | u16(f, at + 2)) & 0xffffffffL;
    }

    public static void putShort(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }
}
