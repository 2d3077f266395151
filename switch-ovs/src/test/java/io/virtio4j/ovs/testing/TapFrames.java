package io.virtio4j.ovs.testing;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.spi.net.VirtioNetHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Frame I/O on an already open TAP (the gateway's NIC), with preallocated buffers: vnet header + frame. */
public final class TapFrames implements AutoCloseable {
    public static final int CAPACITY = 2048;

    private final Arena arena = Arena.ofConfined();
    private final TapDevice tap;
    private final MemorySegment header = arena.allocate(VirtioNetHeader.SIZE, 8);
    private final MemorySegment frame = arena.allocate(CAPACITY, 8);
    private final IovecArray iovecs = new IovecArray(arena, 2);

    public TapFrames(TapDevice tap) {
        this.tap = tap;
    }

    public MemorySegment frame() {
        return frame;
    }

    /** One non-blocking read into {@link #frame()}: the frame's length, or -1 when nothing is queued. */
    public int poll() {
        iovecs.set(0, header, VirtioNetHeader.SIZE);
        iovecs.set(1, frame, CAPACITY);
        long n = tap.queue(0).read(iovecs, 2);
        return n == Platform.WOULD_BLOCK ? -1 : (int) (n - VirtioNetHeader.SIZE);
    }

    /** Writes the first {@code length} bytes of {@code source} behind a zero vnet header (no offloads). */
    public void write(MemorySegment source, int length) {
        header.fill((byte) 0);
        iovecs.set(0, header, VirtioNetHeader.SIZE);
        iovecs.set(1, source, length);
        long n = tap.queue(0).write(iovecs, 2);
        if (n != VirtioNetHeader.SIZE + length) {
            throw new IllegalStateException("TAP " + tap.name() + " took " + n + " of " + (VirtioNetHeader.SIZE + length) + " bytes");
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
