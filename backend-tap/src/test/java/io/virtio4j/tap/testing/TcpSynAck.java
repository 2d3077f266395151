package io.virtio4j.tap.testing;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.PROTO_TCP;

import io.virtio4j.tap.testing.Frames;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The one TCP answer a receive-offload test needs from its fake peer: a SYN from the namespace
 * turned into our SYN-ACK in place (MSS option, window 65535), after which the namespace's stack
 * sends data, in TSO super-frames when the receiving side took TSO4.
 */
public final class TcpSynAck {
    public static final int SYN = 0x02;
    public static final int ACK = 0x10;
    /** Bytes of the SYN-ACK's TCP header (20 + the 4-byte MSS option). */
    public static final int TCP_LENGTH = 24;

    private TcpSynAck() {
    }

    /** Whether {@code f} is a TCP segment to {@code port} with every bit of {@code flags} set. */
    public static boolean tcpTo(MemorySegment f, int length, int port, int flags) {
        return length >= L4 + 20 && Frames.u16(f, 12) == Frames.ETHERTYPE_IPV4 && Frames.u8(f, ETH + 9) == PROTO_TCP
                && Frames.u16(f, L4 + 2) == port && (Frames.u8(f, L4 + 13) & flags) == flags;
    }

    /**
     * Rewrites the SYN in {@code f} (sent by {@code nsIp} to {@code peerIp}:{@code port}) into the
     * peer's SYN-ACK announcing {@code mss}; returns the reply's frame length.
     */
    public static int answer(MemorySegment f, byte[] nsMac, byte[] peerMac, int peerIp, int nsIp, int port, int mss) {
        int clientPort = Frames.u16(f, L4);
        int clientSeq = Frames.u32(f, L4 + 4);
        Frames.ethernet(f, nsMac, peerMac, Frames.ETHERTYPE_IPV4);
        Frames.ipv4Header(f, PROTO_TCP, peerIp, nsIp, TCP_LENGTH, 1);
        f.asSlice(L4, TCP_LENGTH).fill((byte) 0);
        Frames.u16(f, L4, port);
        Frames.u16(f, L4 + 2, clientPort);
        Frames.u32(f, L4 + 4, 5000);
        Frames.u32(f, L4 + 8, clientSeq + 1);
        f.set(ValueLayout.JAVA_BYTE, L4 + 12, (byte) 0x60); // 6 words: one option
        f.set(ValueLayout.JAVA_BYTE, L4 + 13, (byte) (SYN | ACK));
        Frames.u16(f, L4 + 14, 65535);
        f.set(ValueLayout.JAVA_BYTE, L4 + 20, (byte) 2); // MSS option
        f.set(ValueLayout.JAVA_BYTE, L4 + 21, (byte) 4);
        Frames.u16(f, L4 + 22, mss);
        Frames.u16(f, L4 + 16, ~Frames.sum(f, L4, TCP_LENGTH, Frames.pseudoHeader(f, PROTO_TCP, TCP_LENGTH)) & 0xffff);
        return L4 + TCP_LENGTH;
    }
}
