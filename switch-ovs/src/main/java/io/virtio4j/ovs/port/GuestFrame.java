package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.DescriptorChain;

/**
 * A frame in a guest's TX chain, in place: {@code length} readable bytes starting {@code start}
 * bytes into the chain (past the virtio-net header). The vhost-user port checked the length
 * against the chain; guest accesses go through the frame's own {@link ChainCursor}, which
 * translates every range through the memory's regions and stops at the chain's end.
 */
public final class GuestFrame implements Frame {
    /** Reused for every access to every chain this frame is pointed at: nothing allocated or looked up per frame. */
    private final ChainCursor cursor = new ChainCursor();
    private GuestMemory memory;
    private DescriptorChain chain;
    private long start;
    private long length;
    /**
     * Where the frame's first {@link #contiguous} bytes lie on the host (one buffer in one region,
     * as the port's touch found them), so the common frame is read with one copy and no cursor;
     * 0 contiguous bytes when every access must go through the cursor.
     */
    private MemorySegment segment = MemorySegment.NULL;
    private long segmentOffset;
    private long contiguous;
    /** The offload the frame's virtio-net header asked for, once checked ({@link #offload}); cleared by {@link #set}. */
    private final FrameOffload offload = new FrameOffload();

    /**
     * An unset frame, to be pointed at a chain with {@link #set} before each use. A vhost-user port
     * makes one per slot of a burst up front and reuses them, so nothing is allocated per frame.
     */
    public GuestFrame() {
    }

    /** Points this frame at a popped chain, every access through the cursor. */
    public GuestFrame set(GuestMemory memory, DescriptorChain chain, long start, long length) {
        return set(memory, chain, start, length, MemorySegment.NULL, 0, 0);
    }

    /**
     * Points this frame at a popped chain whose first {@code contiguous} frame bytes (at most
     * {@code length}) are at {@code segmentOffset} in host segment {@code segment}, translated and
     * checked by the port; the rest is reached through the cursor.
     */
    public GuestFrame set(GuestMemory memory, DescriptorChain chain, long start, long length,
                          MemorySegment segment, long segmentOffset, long contiguous) {
        this.memory = memory;
        this.chain = chain;
        this.start = start;
        this.length = length;
        this.segment = segment;
        this.segmentOffset = segmentOffset;
        this.contiguous = Math.clamp(contiguous, 0, length);
        offload.clear();
        return this;
    }

    /**
     * Copies the chain's first {@code count} bytes, the virtio-net header before the frame (at most
     * the frame's {@code start}), to {@code dst}: a host copy the guest cannot change after it is checked.
     */
    public void readVnetHeader(MemorySegment dst, int count) {
        if (count < 0 || count > start) {
            throw new IndexOutOfBoundsException("virtio-net header of " + count + " bytes before a frame at " + start);
        }
        // In bounds: the port checked the chain holds start + length readable bytes; dst's range is
        // checked by MemorySegment.copy inside the cursor.
        cursor.readable(memory, chain).read(dst, 0, count);
    }

    /** The frame's offload, for the port to fill after checking the header ({@link #offload()} reports it). */
    public FrameOffload offloadSlot() {
        return offload;
    }

    @Override
    public FrameOffload offload() {
        return offload.active() ? offload : null;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long count) {
        Frame.checkRange(offset, count, length);
        if (offset + count <= contiguous) {
            // In bounds: [segmentOffset, + contiguous) lies in the segment (the port measured it in
            // one region); dst's range is checked by MemorySegment.copy before a byte moves.
            MemorySegment.copy(segment, segmentOffset + offset, dst, dstOffset, count);
            return;
        }
        from(offset).read(dst, dstOffset, count);
    }

    @Override
    public boolean deliverTo(VhostUserNetPort port, int pair, MemorySegment head, long headLength, long offset) {
        Frame.checkRange(offset, length - offset, length);
        if (length <= contiguous) {
            // The whole frame in one host range (or nothing left after the head): one copy, no cursor.
            // In bounds: [segmentOffset + offset, + length - offset) lies within the contiguous range.
            return port.deliverHeld(pair, head, headLength, segment, segmentOffset + offset, length - offset);
        }
        // The port checked start + length against the chain when it held it: the limit is the frame's end.
        return port.deliverHeld(pair, head, headLength, from(offset).limit(length - offset));
    }

    /**
     * Maps the readable buffers after {@code start + offset} to iovecs into the guest regions'
     * host mappings, splitting a buffer at a region boundary (adjacent guest regions need not be
     * adjacent on the host). Returns -1 when the chain is shorter than the frame, a buffer is
     * unmapped, or the iovecs run out.
     */
    @Override
    public int mapIovecs(IovecArray iovecs, int first, long offset) {
        Frame.checkRange(offset, length - offset, length);
        ChainCursor c = from(offset);
        if (c.remaining() < length - offset) {
            return -1;
        }
        int next = c.limit(length - offset).toIovecs(iovecs.segment(), first, iovecs.capacity());
        return next < 0 ? -1 : next;
    }

    /** The cursor at {@code offset} bytes into the frame. */
    private ChainCursor from(long offset) {
        cursor.readable(memory, chain).skip(start + offset);
        return cursor;
    }
}
