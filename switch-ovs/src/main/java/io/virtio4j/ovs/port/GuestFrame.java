package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.tap.GuestIovecs;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.ChainRanges;
import io.virtio4j.vhostuser.VhostUserNetPort;
import io.virtio4j.vring.DescriptorChain;

/**
 * A frame in a guest's TX chain, in place: {@code length} readable bytes starting {@code start}
 * bytes into the chain (past the virtio-net header). The vhost-user port checked the length
 * against the chain; guest accesses go through {@link GuestMemory}, which re-checks every range.
 */
public final class GuestFrame implements Frame {
    private GuestMemory memory;
    private DescriptorChain chain;
    private long start;
    private long length;

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
        ChainRanges.read(memory, chain, start + offset, dst, dstOffset, count);
    }

    @Override
    public boolean deliverTo(VhostUserNetPort port, int pair, MemorySegment head, long headLength, long offset) {
        Frame.checkRange(offset, length - offset, length);
        return port.deliverHeld(pair, head, headLength, memory, chain, start + offset, length - offset);
    }

    /**
     * Maps the readable buffers after {@code start + offset} to iovecs into the guest regions'
     * host mappings, splitting a buffer at a region boundary (adjacent guest regions need not be
     * adjacent on the host).
     */
    @Override
    public int mapIovecs(IovecArray iovecs, int first, long offset) {
        Frame.checkRange(offset, length - offset, length);
        int next = GuestIovecs.map(memory, iovecs, iovecs.capacity(), chain, false, start + offset, length - offset, first);
        return next < 0 ? -1 : next;
    }
}
