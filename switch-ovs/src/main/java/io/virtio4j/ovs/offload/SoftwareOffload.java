package io.virtio4j.ovs.offload;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.spi.net.VirtioNetHeader;

/**
 * The offload a destination did not negotiate, done by the switch (as OVS's userspace TSO does
 * for a port without it): a partial checksum completed, a TCP super-frame cut into segments of
 * gso_size payload bytes, each with its IPv4 total length, identification (+1 per segment) and
 * header checksum or IPv6 payload length, its TCP sequence number, FIN and PSH only on the last
 * segment, CWR only on the first, and its TCP checksum over the pseudo-header. The frame is first
 * copied into this object's scratch (so the guest cannot change it under the checksums), then each
 * piece is sent from there: the fallback costs a second copy, the offloaded path none.
 *
 * <p>One per PMD thread (its frame executor hands it to every destination's {@code TxBatch}),
 * so two PMDs sending to one port never share it; its buffers are allocated once, nothing per frame.
 * It also holds the header a carried-over offload is written from ({@link #carriedHeader}).
 */
public final class SoftwareOffload {
    private static final int TCP_SEQUENCE = 4;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;
    private static final int IPV6_PAYLOAD_LENGTH = 4;
    private static final int IPV6_SOURCE = 8;
    private static final int IPV6_HEADER = 40;
    private static final int PROTOCOL_TCP = 6;
    /** Room for the longest headers {@link OffloadCheck} lets through, after a tag push. */
    private static final int MAX_HEADERS = 256;

    private final MemorySegment scratch;
    private final MemorySegment segmentHead;
    private final HostFrame piece = new HostFrame();
    private final MemorySegment carried;
    private final VirtioNetHeader carriedView;

    /** A fallback for frames up to {@code maxFrame} bytes (a super-frame's 64 KB). */
    public SoftwareOffload(int maxFrame) {
        Arena arena = Arena.ofAuto();
        this.scratch = arena.allocate(maxFrame, 64);
        this.segmentHead = arena.allocate(MAX_HEADERS, 64);
        this.carried = arena.allocate(VirtioNetHeader.SIZE, 8);
        this.carriedView = new VirtioNetHeader().wrap(carried, 0);
    }

    /**
     * The virtio-net header that carries {@code offload} to a guest that negotiated it, its offsets
     * moved by {@code shift} (see {@link Offloads#header}); valid until the next call.
     */
    public MemorySegment carriedHeader(FrameOffload offload, int shift) {
        Offloads.header(carriedView, offload, shift);
        return carried;
    }

    /**
     * Sends {@code frame} (its {@code headLength} head bytes, then its bytes from {@code resume})
     * complete to {@code sink}'s {@code target}: its checksum finished, and a super-frame in segments. Returns whether
     * every piece went out; a frame that no longer adds up after its head was rewritten is dropped.
     */
    public boolean send(Frame frame, FrameOffload offload, MemorySegment head, int headLength, long resume, FrameSink sink,
                        int target) {
        long total = headLength + frame.length() - resume;
        int shift = (int) (headLength - resume);
        int csumStart = offload.csumStart() + shift;
        if (total > scratch.byteSize() || csumStart < 0 || csumStart + offload.csumOffset() + 2L > total) {
            return false;
        }
        int length = (int) total;
        try {
            // In bounds: headLength + (frame.length() - resume) = length <= the scratch's size, checked above.
            MemorySegment.copy(head, 0, scratch, 0, headLength);
            frame.read(resume, scratch, headLength, frame.length() - resume);
        } catch (GuestMemoryException e) {
            // The source guest remapped its memory under the frame: this frame is lost.
            return false;
        }
        if (offload.gsoType() == VirtioNetHeader.GSO_NONE) {
            completeChecksum(scratch, csumStart, offload.csumOffset(), length);
            return sink.send(target, piece.set(scratch, 0, length), MemorySegment.NULL, 0, 0);
        }
        int l3 = offload.l3Offset() + shift;
        int headersEnd = offload.headersEnd() + shift;
        if (l3 < 0 || headersEnd > MAX_HEADERS || headersEnd > length || csumStart >= headersEnd) {
            return false;
        }
        return segment(offload, l3, csumStart, headersEnd, length, sink, target);
    }

    /**
     * Stores the checksum of bytes {@code [csumStart, length)} (the field holding the pseudo-header
     * sum the guest left there, as a partial checksum does) at {@code csumStart + csumOffset}; all
     * three are offsets in {@code frame}, which the caller checked hold
     * {@code csumStart + csumOffset + 2 <= length <= frame.byteSize()}.
     */
    public static void completeChecksum(MemorySegment frame, int csumStart, int csumOffset, int length) {
        // In bounds: the caller checked csumStart + csumOffset + 2 <= length <= the segment's size.
        int sum = Checksum.finish(Checksum.sum(frame, csumStart, length - csumStart, 0));
        // 0 and 0xffff are the same in ones' complement; 0 would mean "no checksum" to UDP.
        NetworkOrder.putU16(frame, csumStart + csumOffset, sum == 0 ? 0xffff : sum);
    }

    private boolean segment(FrameOffload offload, int l3, int l4, int headersEnd, int length, FrameSink sink, int target) {
        int mss = offload.gsoSize();
        int payload = length - headersEnd;
        boolean ipv4 = offload.gsoType() == VirtioNetHeader.GSO_TCPV4;
        // In bounds (all header reads and writes below): they lie before headersEnd <= MAX_HEADERS,
        // the size of segmentHead, and <= length, the bytes the scratch holds.
        int id = ipv4 ? NetworkOrder.u16(scratch, l3 + Ipv4Header.IDENTIFICATION) : 0;
        long sequence = NetworkOrder.u32(scratch, l4 + TCP_SEQUENCE) & 0xffffffffL;
        int flags = NetworkOrder.u8(scratch, l4 + TCP_FLAGS);
        boolean all = true;
        for (int at = 0, k = 0; at < payload; at += mss, k++) {
            int size = Math.min(mss, payload - at);
            boolean last = at + size == payload;
            MemorySegment.copy(scratch, 0, segmentHead, 0, headersEnd);
            int tcpLength = headersEnd - l4 + size;
            long pseudo;
            if (ipv4) {
                NetworkOrder.putU16(segmentHead, l3 + Ipv4Header.TOTAL_LENGTH, l4 - l3 + tcpLength);
                NetworkOrder.putU16(segmentHead, l3 + Ipv4Header.IDENTIFICATION, (id + k) & 0xffff);
                NetworkOrder.putU16(segmentHead, l3 + Ipv4Header.CHECKSUM, 0);
                NetworkOrder.putU16(segmentHead, l3 + Ipv4Header.CHECKSUM, Checksum.compute(segmentHead, l3, l4 - l3));
                pseudo = Checksum.sum(segmentHead, l3 + Ipv4Header.SOURCE, 8, PROTOCOL_TCP + tcpLength);
            } else {
                NetworkOrder.putU16(segmentHead, l3 + IPV6_PAYLOAD_LENGTH, headersEnd - (l3 + IPV6_HEADER) + size);
                pseudo = Checksum.sum(segmentHead, l3 + IPV6_SOURCE, 32, PROTOCOL_TCP + tcpLength);
            }
            NetworkOrder.putU32(segmentHead, l4 + TCP_SEQUENCE, (int) (sequence + at));
            int segmentFlags = flags;
            if (!last) {
                segmentFlags &= ~(TCP_FIN | TCP_PSH);
            }
            if (k > 0) {
                segmentFlags &= ~TCP_CWR;
            }
            NetworkOrder.putU8(segmentHead, l4 + TCP_FLAGS, segmentFlags);
            NetworkOrder.putU16(segmentHead, l4 + OffloadCheck.TCP_CHECKSUM, 0);
            // TCP headers are a multiple of 4 bytes long, so the payload's sum continues at an even offset.
            long sum = Checksum.sum(segmentHead, l4, headersEnd - l4, pseudo);
            sum = Checksum.sum(scratch, headersEnd + at, size, sum);
            NetworkOrder.putU16(segmentHead, l4 + OffloadCheck.TCP_CHECKSUM, Checksum.finish(sum));
            all &= sink.send(target, piece.set(scratch, headersEnd + at, size), segmentHead, headersEnd, 0);
        }
        return all;
    }
}
