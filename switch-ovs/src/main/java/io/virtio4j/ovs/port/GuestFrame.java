package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.VhostUserNetPort;
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
     * An unset frame, to be pointed at a chain with {@link #set} before each use. A vhost-user port
     * makes one per slot of a burst up front and reuses them, so nothing is allocated per frame.
     */
    public GuestFrame() {
    }

    /** Points this frame at a popped chain. */
    public GuestFrame set(GuestMemory memory, DescriptorChain chain, long start, long length) {
        this.memory = memory;
        this.chain = chain;
        this.start = start;
        this.length = length;
        return this;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long count) {
        Frame.checkRange(offset, count, length);
        from(offset).read(dst, dstOffset, count);
    }

    @Override
    public boolean deliverTo(VhostUserNetPort port, int pair, MemorySegment head, long headLength, long offset) {
        Frame.checkRange(offset, length - offset, length);
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
