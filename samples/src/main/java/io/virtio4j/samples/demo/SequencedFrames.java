package io.virtio4j.samples.demo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.HeaderWriter;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;

/**
 * The throughput run's frames: Ethernet + IPv4 + UDP (checksum 0, which UDP over IPv4 allows)
 * with a 64-bit sequence number right after the UDP header and its complement in the frame's
 * last 8 bytes, so a receiver sees a lost, repeated, reordered or cut frame, and one whose bytes
 * changed on the way.
 */
public final class SequencedFrames {
    /** Where the sequence number sits: after Ethernet (14), IPv4 (20) and UDP (8). */
    public static final int SEQUENCE = Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + 8;
    /** The shortest frame that holds both copies of the sequence number. */
    public static final int MIN_LENGTH = SEQUENCE + 16;
    /** The longest: a standard Ethernet frame without FCS. */
    public static final int MAX_LENGTH = 1514;
    private static final int UDP_PROTOCOL = 17;
    private static final int UDP_PORT = 9;
    private static final ValueLayout.OfLong SEQ = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SequencedFrames() {
    }

    /** A template frame of {@code length} bytes from {@code source} to {@code destination}; sequence 0. */
    public static byte[] template(int length, long sourceMac, long destinationMac, int sourceIp, int destinationIp) {
        if (length < MIN_LENGTH || length > MAX_LENGTH) {
            throw new IllegalArgumentException("frame length " + length + " not in " + MIN_LENGTH + ".." + MAX_LENGTH);
        }
        byte[] frame = new byte[length];
        MemorySegment f = MemorySegment.ofArray(frame);
        // In bounds: length >= MIN_LENGTH covers every header written here; the segment checks each store.
        int l3 = HeaderWriter.ethernet(f, destinationMac, sourceMac, Ethernet.TYPE_IPV4);
        int udp = HeaderWriter.ipv4(f, l3, length - l3, UDP_PROTOCOL, sourceIp, destinationIp);
        NetworkOrder.putU16(f, udp, UDP_PORT);
        NetworkOrder.putU16(f, udp + 2, UDP_PORT);
        NetworkOrder.putU16(f, udp + 4, length - udp);
        NetworkOrder.putU16(f, udp + 6, 0);
        stamp(frame, 0);
        return frame;
    }

    /** Writes sequence {@code seq} into {@code frame} (both copies). */
    public static void stamp(byte[] frame, long seq) {
        MemorySegment f = MemorySegment.ofArray(frame);
        // In bounds: a template is at least MIN_LENGTH bytes, so both 8-byte fields lie inside it.
        f.set(SEQ, SEQUENCE, seq);
        f.set(SEQ, frame.length - 8, ~seq);
    }

    /**
     * The sequence number of a received frame of {@code length} bytes at {@code frame}, or -1 if
     * it is too short or its two copies disagree.
     */
    public static long sequence(MemorySegment frame, int length) {
        if (length < MIN_LENGTH || length > frame.byteSize()) {
            return -1;
        }
        // In bounds: MIN_LENGTH <= length <= the segment's size, checked just above.
        long seq = frame.get(SEQ, SEQUENCE);
        return frame.get(SEQ, length - 8) == ~seq ? seq : -1;
    }
}
