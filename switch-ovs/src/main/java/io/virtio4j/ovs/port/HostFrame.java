package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;

import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.net.VhostUserNetPort;

/** A frame in native host memory (a TAP's receive buffer, an in-process ring slot, a generated reply). */
public final class HostFrame implements Frame {
    private MemorySegment buffer = MemorySegment.NULL;
    private long offset;
    private long length;

    /**
     * An empty frame (zero bytes of {@link MemorySegment#NULL}) until {@link #set} points it at a
     * buffer. TAP and in-process ports (for received frames) and the executor (for replies) make
     * one per burst slot up front and reuse them.
     */
    public HostFrame() {
    }

    /** Points this frame at {@code length} bytes of {@code buffer} from {@code offset}. */
    public HostFrame set(MemorySegment buffer, long offset, long length) {
        if (offset < 0 || length < 0 || offset > buffer.byteSize() - length) {
            throw new IndexOutOfBoundsException("frame [" + offset + ", +" + length + ") outside a buffer of " + buffer.byteSize());
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void read(long from, MemorySegment dst, long dstOffset, long count) {
        Frame.checkRange(from, count, length);
        // In bounds: [from, from + count) lies in the frame, which set() proved lies in the buffer.
        MemorySegment.copy(buffer, offset + from, dst, dstOffset, count);
    }

    @Override
    public boolean deliverTo(VhostUserNetPort port, int pair, MemorySegment head, long headLength, long from) {
        Frame.checkRange(from, length - from, length);
        return port.deliverHeld(pair, head, headLength, buffer, offset + from, length - from);
    }

    @Override
    public int mapIovecs(IovecArray iovecs, int first, long from) {
        Frame.checkRange(from, length - from, length);
        if (from == length) {
            return first;
        }
        if (first >= iovecs.capacity()) {
            return -1;
        }
        // IovecArray.set checks [offset + from, +length - from) against the buffer again.
        iovecs.set(first, buffer, offset + from, length - from);
        return first + 1;
    }
}
