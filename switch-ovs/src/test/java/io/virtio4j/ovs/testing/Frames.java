package io.virtio4j.ovs.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.pipeline.Verdict;

/** Builds test frames byte by byte (independently of the code under test) and feeds them to a pipeline. */
public final class Frames {
    private Frames() {
    }

    /** An Ethernet frame; {@code vlan} 0 means untagged, otherwise an 802.1Q tag with that VID. */
    public static byte[] ethernet(long dst, long src, int vlan, int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(18 + payload.length);
        putMac(b, dst);
        putMac(b, src);
        if (vlan != 0) {
            b.putShort((short) 0x8100).putShort((short) vlan);
        }
        b.putShort((short) type).put(payload);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    public static byte[] arp(int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        return b.array();
    }

    /** An IPv4 packet with a 20-byte header and a correct header checksum. */
    public static byte[] ipv4(int src, int dst, int ttl, int protocol, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) 0x1234)
                .putShort((short) 0).put((byte) ttl).put((byte) protocol).putShort((short) 0).putInt(src).putInt(dst);
        b.putShort(10, (short) internetChecksum(b.array(), 0, 20));
        b.put(payload);
        return b.array();
    }

    /** An IPv6 packet: fixed header (hop limit 64) with {@code nextHeader}, addresses of 16 bytes each, then {@code payload}. */
    public static byte[] ipv6(byte[] src, byte[] dst, int nextHeader, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.putInt(0x6000_0000).putShort((short) payload.length).put((byte) nextHeader).put((byte) 64).put(src).put(dst).put(payload);
        return b.array();
    }

    /** The 16 bytes of an IPv6 address in text form. */
    public static byte[] ipv6Address(String text) {
        try {
            return java.net.InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** A UDP datagram (checksum 0: none) from port {@code src} to {@code dst} carrying {@code data}. */
    public static byte[] udp(int src, int dst, byte[] data) {
        return ByteBuffer.allocate(8 + data.length).putShort((short) src).putShort((short) dst)
                .putShort((short) (8 + data.length)).putShort((short) 0).put(data).array();
    }

    /** A 20-byte TCP header (SYN, checksum left 0: nothing here checks it) from {@code src} to {@code dst}. */
    public static byte[] tcp(int src, int dst) {
        return ByteBuffer.allocate(20).putShort((short) src).putShort((short) dst).putInt(1).putInt(0)
                .putShort((short) 0x5002).putShort((short) 0xffff).array();
    }

    /** An ICMP message with a correct checksum. */
    public static byte[] icmp(int type, int code, int rest, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putInt(rest).put(data);
        b.putShort(2, (short) internetChecksum(b.array(), 0, b.capacity()));
        return b.array();
    }

    /** RFC 1071, written out independently of {@link Checksum}. */
    public static int internetChecksum(byte[] data, int offset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = data[offset + i] & 0xff;
            int lo = i + 1 < length ? data[offset + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    public static void putMac(ByteBuffer b, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (mac >>> shift));
        }
    }

    public static long mac(byte[] frame, int offset) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (frame[offset + i] & 0xff);
        }
        return v;
    }

    /** Header scratch as a PMD thread has it: native, HEADER_BYTES long. */
    public static MemorySegment scratch() {
        return Arena.ofAuto().allocate(FramePipeline.HEADER_BYTES);
    }

    /** Copies the frame's first bytes into {@code scratch} and runs the pipeline, as the data path does. */
    public static Verdict process(FramePipeline p, int inPort, byte[] frame, long now, MemorySegment scratch, Verdict v) {
        return process(p, inPort, frame, frame.length, now, scratch, v);
    }

    /** As {@link #process(FramePipeline, int, byte[], long, MemorySegment, Verdict)}, for the first {@code length} bytes only. */
    public static Verdict process(FramePipeline p, int inPort, byte[] frame, int length, long now, MemorySegment scratch, Verdict v) {
        int header = Math.min(length, FramePipeline.HEADER_BYTES);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, header);
        v.clear();
        p.process(inPort, scratch, header, length, now, v);
        return v;
    }

    /** The reply the verdict holds, as bytes. */
    public static byte[] reply(Verdict v) {
        return v.reply().asSlice(0, v.replyLength()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
