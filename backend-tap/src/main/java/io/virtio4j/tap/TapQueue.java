package io.virtio4j.tap;

import io.virtio4j.api.log.RateLimitedLog;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue (one fd) of a {@link TapDevice}: the data path. A frame is one readv/writev of
 * [vnet header][Ethernet frame] over a preallocated {@link IovecArray}; nothing is allocated
 * per packet. The fd is non-blocking: {@link #read} returns {@link Platform#WOULD_BLOCK} when the
 * TAP has nothing queued, and {@link #write} returns it when the device's queue is full.
 * Failures are counted in {@link #stats()}, logged at most once per second, and thrown as
 * {@link TapException} naming the interface, queue and errno.
 */
public final class TapQueue {
    private static final Logger LOG = LoggerFactory.getLogger(TapQueue.class);
    /** Shared by every queue of every TAP: a guest failing writes on all its queues gets one line a second. */
    private static final RateLimitedLog ERROR_LOG = new RateLimitedLog(LOG, 1_000_000_000L);

    private final Platform platform;
    private final int fd;
    private final String name;
    private final int index;
    private final TapQueueStats stats = new TapQueueStats();

    TapQueue(Platform platform, int fd, String name, int index) {
        this.platform = platform;
        this.fd = fd;
        this.name = name;
        this.index = index;
    }

    /**
     * Reads one frame into the first {@code count} iovecs: bytes read (header included) or
     * WOULD_BLOCK. The kernel silently truncates a frame longer than the iovecs, so they must hold
     * 12 + MTU + 14 bytes, or 12 + 65536 once TSO/USO offloads are set.
     */
    public long read(IovecArray iovecs, int count) {
        checkCount(iovecs, count);
        long bytes;
        try {
            bytes = platform.readv(fd, iovecs.segment(), count);
        } catch (NativeException e) {
            stats.readError();
            throw failure("readv", "", e);
        }
        if (bytes == Platform.WOULD_BLOCK) {
            stats.readEmpty();
        } else {
            stats.read(bytes);
        }
        return bytes;
    }

    /** Writes one frame from the first {@code count} iovecs: bytes written (header included) or WOULD_BLOCK. */
    public long write(IovecArray iovecs, int count) {
        checkCount(iovecs, count);
        long bytes;
        try {
            bytes = platform.writev(fd, iovecs.segment(), count);
        } catch (NativeException e) {
            stats.writeError();
            throw failure("writev", " (EINVAL: malformed vnet header or frame)", e);
        }
        if (bytes == Platform.WOULD_BLOCK) {
            stats.writeFull();
        } else {
            stats.written(bytes);
        }
        return bytes;
    }

    private TapException failure(String call, String hint, NativeException cause) {
        TapException e = new TapException(call + " on TAP " + name + " queue " + index + " failed" + hint + ": " + cause.getMessage(), cause);
        // A hostile guest can make every write fail: log at most once a second, the counters keep the rest.
        ERROR_LOG.warn("{} ({})", e.getMessage(), stats);
        return e;
    }

    private void checkCount(IovecArray iovecs, int count) {
        if (count < 1 || count > iovecs.capacity()) {
            // Platform passes count straight to the kernel, which would read past the array.
            throw new IndexOutOfBoundsException("iovec count " + count + " outside 1.." + iovecs.capacity());
        }
    }

    /** This queue's counters. */
    public TapQueueStats stats() {
        return stats;
    }

    /** The queue's fd, for epoll registration. Owned by the device: do not close it. */
    public int fd() {
        return fd;
    }

    /** The queue's index in its device. */
    public int index() {
        return index;
    }

    /** The interface name, for messages. */
    public String name() {
        return name;
    }
}
