package io.virtio4j.tap;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

/**
 * One queue (one fd) of a {@link TapDevice}: the data path. A frame is one readv/writev of
 * [vnet header][Ethernet frame] over a preallocated {@link IovecArray}; nothing is allocated
 * per packet. The fd is non-blocking: {@link #read} returns {@link Platform#WOULD_BLOCK} when the
 * TAP has nothing queued, and {@link #write} returns it when the device's queue is full.
 */
public final class TapQueue {
    private final Platform platform;
    private final int fd;
    private final String name;
    private final int index;

    TapQueue(Platform platform, int fd, String name, int index) {
        this.platform = platform;
        this.fd = fd;
        this.name = name;
        this.index = index;
    }

    /** Reads one frame into the first {@code count} iovecs: bytes read (header included) or WOULD_BLOCK. */
    public long read(IovecArray iovecs, int count) {
        checkCount(iovecs, count);
        try {
            return platform.readv(fd, iovecs.segment(), count);
        } catch (NativeException e) {
            throw new TapException("readv on TAP " + name + " queue " + index + " failed: " + e.getMessage(), e);
        }
    }

    /** Writes one frame from the first {@code count} iovecs: bytes written (header included) or WOULD_BLOCK. */
    public long write(IovecArray iovecs, int count) {
        checkCount(iovecs, count);
        try {
            return platform.writev(fd, iovecs.segment(), count);
        } catch (NativeException e) {
            throw new TapException("writev on TAP " + name + " queue " + index
                    + " failed (a malformed vnet header gives EINVAL): " + e.getMessage(), e);
        }
    }

    private void checkCount(IovecArray iovecs, int count) {
        if (count < 1 || count > iovecs.capacity()) {
            // Platform passes count straight to the kernel, which would read past the array.
            throw new IndexOutOfBoundsException("iovec count " + count + " outside 1.." + iovecs.capacity());
        }
    }

    /** The queue's fd, for epoll registration. Owned by the device: do not close it. */
    public int fd() {
        return fd;
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }
}
