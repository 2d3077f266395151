package io.virtio4j.tap.testing;

import io.virtio4j.api.platform.LinuxPlatform;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.TapQueue;
import io.virtio4j.spi.net.VirtioNetHeader;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real TAP plus preallocated frame buffers: iovec 0 is the 12-byte vnet header, iovec 1 a
 * 64 KiB frame buffer (room for a GSO super-frame). One per queue; used by one thread.
 */
public final class TapFixture implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    public static final int FRAME_CAPACITY = 65536;

    private final Arena arena = Arena.ofShared();
    private final TapDevice tap;
    private final IovecArray[] iovecs;
    private final MemorySegment[] headers;
    private final MemorySegment[] frames;

    public TapFixture(int queues) {
        String name = "v4j" + ProcessHandle.current().pid() % 100000 + "x" + COUNTER.incrementAndGet();
        tap = TapDevice.open(TapConfig.of(name, queues), LinuxPlatform.instance());
        iovecs = new IovecArray[queues];
        headers = new MemorySegment[queues];
        frames = new MemorySegment[queues];
        for (int q = 0; q < queues; q++) {
            headers[q] = arena.allocate(VirtioNetHeader.SIZE, 8);
            frames[q] = arena.allocate(FRAME_CAPACITY, 8);
            iovecs[q] = new IovecArray(arena, 2);
        }
    }

    public TapDevice tap() {
        return tap;
    }

    public String name() {
        return tap.name();
    }

    public MemorySegment header(int queue) {
        return headers[queue];
    }

    public MemorySegment frame(int queue) {
        return frames[queue];
    }

    /** Non-blocking read of one frame on {@code queue}: frame length (header excluded) or -1. */
    public int poll(int queue) {
        TapQueue q = tap.queue(queue);
        iovecs[queue].set(0, headers[queue], VirtioNetHeader.SIZE);
        iovecs[queue].set(1, frames[queue], FRAME_CAPACITY);
        long n = q.read(iovecs[queue], 2);
        return n == Platform.WOULD_BLOCK ? -1 : (int) (n - VirtioNetHeader.SIZE);
    }

    /** Reads the next frame accepted by {@code filter} on {@code queue} within {@code millis}; -1 on timeout. */
    public int await(int queue, long millis, FrameFilter filter) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            int length = poll(queue);
            if (length < 0) {
                Thread.onSpinWait();
                continue;
            }
            if (filter.accept(frames[queue], length)) {
                return length;
            }
        }
        return -1;
    }

    /** Writes header(queue) + the first {@code length} bytes of frame(queue): bytes written or WOULD_BLOCK. */
    public long write(int queue, int length) {
        iovecs[queue].set(0, headers[queue], VirtioNetHeader.SIZE);
        iovecs[queue].set(1, frames[queue], length);
        return tap.queue(queue).write(iovecs[queue], 2);
    }

    @Override
    public void close() {
        try {
            tap.close();
        } finally {
            arena.close();
        }
    }

    /** Picks frames out of the TAP's traffic. */
    @FunctionalInterface
    public interface FrameFilter {
        boolean accept(MemorySegment frame, int length);
    }

    /**
     * The open fds of this process as "fd -> target": tests compare them before and after to prove
     * nothing leaked, and a mismatch shows what the extra fd points at.
     */
    public static java.util.SortedMap<Integer, String> openFds() {
        java.util.SortedMap<Integer, String> open = new java.util.TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    open.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // The directory stream's own fd is gone by the time we read it: not ours to count.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return open;
    }

    /** Runs everything that opens JVM-lifetime fds lazily (process reaper, JNA, FFM), so later counts are stable. */
    public static void warmUp() {
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), "10.255.255.1/30");
            NetNs.await(ns.start("true"), 10);
        }
    }
}
