package io.virtio4j.tap.testing;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.TapFixture;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A minimal IPv4 host: answers ARP requests for its IP and ICMP echo requests to it, in place in
 * the frame buffer that was read (swap addresses, fix checksums). Serves a TAP fd directly or the
 * frames a guest driver received (the caller sends the reply it builds).
 */
public final class PingResponder {
    private final byte[] mac;
    private final int ip;
    private int arpReplies;
    private int echoReplies;

    public PingResponder(String mac, String ip) {
        this.mac = Frames.mac(mac);
        this.ip = Frames.ipv4(ip);
    }

    /** Serves the TAP's queue 0 until {@code until} returns true or {@code millis} pass. */
    public void serve(TapFixture tap, long millis, java.util.function.BooleanSupplier until) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline && !until.getAsBoolean()) {
            int length = tap.poll(0);
            if (length < 0) {
                Thread.onSpinWait();
                continue;
            }
            int reply = reply(tap.frame(0), length);
            if (reply > 0) {
                new VirtioNetHeader().wrap(tap.header(0), 0).clear();
                tap.write(0, reply);
            }
        }
    }

    /**
     * Turns {@code f} (an Ethernet frame of {@code length} bytes) into the reply in place if it is
     * an ARP request or echo request for us; returns the reply's length, or -1 (not for us).
     */
    public int reply(MemorySegment f, int length) {
        if (length >= ETH + 28 && Frames.u16(f, 12) == Frames.ETHERTYPE_ARP) {
            return answerArp(f);
        }
        if (length >= L4 + 8 && Frames.u16(f, 12) == Frames.ETHERTYPE_IPV4
                && Frames.u8(f, ETH + 9) == Frames.PROTO_ICMP && Frames.u32(f, ETH + 16) == ip
                && Frames.u8(f, L4) == 8) {
            return answerEcho(f, length);
        }
        return -1;
    }

    private int answerArp(MemorySegment f) {
        // ARP for IPv4 over Ethernet: op at 20, sender MAC/IP at 22/28, target MAC/IP at 32/38.
        if (Frames.u16(f, ETH + 6) != 1 || Frames.u32(f, ETH + 24) != ip) {
            return -1;
        }
        byte[] requesterMac = f.asSlice(ETH + 8, 6).toArray(ValueLayout.JAVA_BYTE);
        int requesterIp = Frames.u32(f, ETH + 14);
        Frames.ethernet(f, requesterMac, mac, Frames.ETHERTYPE_ARP);
        Frames.u16(f, ETH + 6, 2);
        MemorySegment.copy(mac, 0, f, ValueLayout.JAVA_BYTE, ETH + 8, 6);
        Frames.u32(f, ETH + 14, ip);
        MemorySegment.copy(requesterMac, 0, f, ValueLayout.JAVA_BYTE, ETH + 18, 6);
        Frames.u32(f, ETH + 24, requesterIp);
        arpReplies++;
        return ETH + 28;
    }

    private int answerEcho(MemorySegment f, int length) {
        byte[] requesterMac = f.asSlice(6, 6).toArray(ValueLayout.JAVA_BYTE);
        int requesterIp = Frames.u32(f, ETH + 12);
        int icmpLength = Frames.u16(f, ETH + 2) - Frames.IP;
        Frames.ethernet(f, requesterMac, mac, Frames.ETHERTYPE_IPV4);
        Frames.ipv4Header(f, Frames.PROTO_ICMP, ip, requesterIp, icmpLength, echoReplies);
        f.set(ValueLayout.JAVA_BYTE, L4, (byte) 0); // echo reply
        Frames.u16(f, L4 + 2, 0);
        Frames.u16(f, L4 + 2, ~Frames.sum(f, L4, icmpLength, 0) & 0xffff);
        echoReplies++;
        return Math.min(length, L4 + icmpLength);
    }

    public int arpReplies() {
        return arpReplies;
    }

    public int echoReplies() {
        return echoReplies;
    }
}
