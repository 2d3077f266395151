package io.virtio4j.tap;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.vring.ChainCopier;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The receive half of a queue pair: TAP frames straight into the guest's receive buffers, one
 * readv per frame. It holds popped receive chains until they can take the largest frame the TAP
 * may deliver (the kernel cuts a longer frame silently; a sentinel iovec after the guest's
 * buffers shows when it did, and that frame is dropped and counted):
 * without MRG_RXBUF that is one chain big enough on its own (smaller ones go back unused); with
 * MRG_RXBUF as many chains as needed, the readv spans all of them, and the frame takes the first
 * {@code num_buffers} of them (spec 5.1.6.4: num_buffers in the first chain's header). Every
 * used element of a burst becomes visible with one publish, so a frame's buffers appear together.
 * Chains a frame did not need stay held, in avail order, for the next frame.
 */
final class TapReceiver {
    /** readv's limit (UIO_MAXIOV); a mergeable frame maps the chains that fit in it. */
    static final int MAX_IOVECS = 1024;
    private static final int HEADER_SIZE = VirtioNetHeader.SIZE;
    private static final int OVERFLOW_BYTES = 64;
    private static final int NUM_BUFFERS_OFFSET = VirtioNetHeader.NUM_BUFFERS;
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DeviceQueue rx;
    private final TapQueue tap;
    private final TapDataPathStats stats;
    private final boolean tapHasHeader;
    private final boolean mergeable;
    /** Bytes the held chains must offer before a read: the header plus the largest frame. */
    private final long minBytes;
    /** The least a single chain may offer: a whole frame, or (mergeable) the header (spec 5.1.6.3.1). */
    private final long minChainBytes;
    private final GuestIovecs iovecs;
    /**
     * Host memory behind the last iovec of every read: the kernel writes into it only when the
     * frame is longer than the guest buffers mapped (older kernels return the frame's length,
     * 6.x the bytes copied; the sentinel tells either way), and that frame is dropped.
     */
    private final MemorySegment overflow;
    /** Completes the header bytes the kernel leaves out (num_buffers, or all of it without IFF_VNET_HDR). */
    private final ChainCopier headerWriter;
    /** The header we write ourselves: zeros, then num_buffers per frame. */
    private final MemorySegment header;
    /** Popped, unused chains in avail order: held[0..heldCount). Grows (never shrinks) up to the ring size. */
    private DescriptorChain[] held;
    private DescriptorChain[] spare;
    private int heldCount;
    private long heldBytes;
    private boolean tapEmpty;
    /**
     * The iovecs cover held[0..mappedChains) with mappedIovecs entries, chain i using iovCount[i]:
     * a chain is mapped once, however many frames it waits through.
     */
    private int mappedChains;
    private int mappedIovecs;
    /** Writable bytes of held[0..mappedChains): the most a frame (with its header) can fill. */
    private long mappedBytes;
    private int[] iovCount;

    TapReceiver(GuestMemory memory, DeviceQueue rx, TapQueue tap, boolean tapHasHeader, boolean mergeable,
                long maxFrame, TapDataPathStats stats, Arena arena) {
        this.rx = rx;
        this.tap = tap;
        this.stats = stats;
        this.tapHasHeader = tapHasHeader;
        this.mergeable = mergeable;
        this.minBytes = HEADER_SIZE + maxFrame;
        this.minChainBytes = mergeable ? HEADER_SIZE : minBytes;
        this.iovecs = new GuestIovecs(memory, new IovecArray(arena, MAX_IOVECS), 1);
        this.overflow = arena.allocate(OVERFLOW_BYTES, 8);
        this.headerWriter = new ChainCopier(memory);
        this.header = arena.allocate(HEADER_SIZE, 8);
        int initial = mergeable ? 4 : 1;
        this.held = new DescriptorChain[initial];
        this.spare = new DescriptorChain[initial];
        this.iovCount = new int[initial];
        for (int i = 0; i < initial; i++) {
            held[i] = rx.newChain();
        }
    }

    /**
     * Delivers up to {@code burst} frames; returns them plus the chains returned unused (used
     * elements added, not yet published). {@link #tapEmpty()} tells whether it stopped at an empty TAP.
     */
    int receive(int burst) {
        tapEmpty = false;
        int done = 0;
        while (done < burst) {
            int refused = gather();
            done += refused;
            if (!readyToRead()) {
                return done;
            }
            int count = mapHeld();
            if (count <= 0) {
                refuseFirst();
                done++;
                continue;
            }
            // count < MAX_IOVECS: GuestIovecs leaves the last entry for the sentinel.
            iovecs.iovecs().set(count, overflow, OVERFLOW_BYTES);
            long read;
            try {
                read = tap.read(iovecs.iovecs(), count + 1);
            } catch (TapException e) {
                stats.count(TapDataPathCounter.RX_READ_FAILURES); // counted and rate-limit logged by TapQueue
                tapEmpty = true;
                return done;
            }
            if (read == Platform.WOULD_BLOCK) {
                tapEmpty = true;
                return done;
            }
            deliver(tapHasHeader ? read : read + HEADER_SIZE);
            done++;
        }
        return done;
    }

    /** Pops chains until the held ones can take the largest frame or the ring has none; returns chains refused. */
    private int gather() {
        int refused = 0;
        while (heldBytes < minBytes && heldCount < rx.size()) {
            if (heldCount == held.length) {
                grow();
            }
            DescriptorChain chain = held[heldCount];
            if (!rx.popOne(chain)) {
                break;
            }
            if (chain.writableBytes() < minChainBytes) {
                // A smaller buffer would make the kernel truncate the frame silently: refuse it.
                stats.count(TapDataPathCounter.RX_BAD_CHAINS);
                rx.addUsed(chain, 0);
                refused++;
                continue;
            }
            heldCount++;
            heldBytes += chain.writableBytes();
        }
        return refused;
    }

    /**
     * Enough held to read: the largest frame fits, or the driver made its whole ring available
     * and it still does not (then a longer frame is truncated by the kernel, and counted).
     */
    private boolean readyToRead() {
        return heldCount > 0 && (heldBytes >= minBytes || heldCount == rx.size());
    }

    /** Whether the last {@link #receive} stopped because the TAP had nothing (or failed). */
    boolean tapEmpty() {
        return tapEmpty;
    }

    /** Whether the receive side waits for the driver to post buffers. */
    boolean needsBuffers() {
        return !readyToRead();
    }

    private void grow() {
        // At most log2(ring size) times per queue: steady state allocates nothing.
        int size = Math.min(held.length * 2, rx.size());
        DescriptorChain[] bigger = java.util.Arrays.copyOf(held, size);
        for (int i = held.length; i < size; i++) {
            bigger[i] = rx.newChain();
        }
        held = bigger;
        spare = new DescriptorChain[size];
        iovCount = java.util.Arrays.copyOf(iovCount, size);
    }

    /**
     * Maps the held chains not yet mapped, after the ones that are (the first chain skips the
     * header we write ourselves); returns the iovec count, or <= 0 if the first cannot be mapped.
     */
    private int mapHeld() {
        for (int i = mappedChains; i < heldCount; i++) {
            int n = iovecs.map(held[i], true, i == 0 && !tapHasHeader ? HEADER_SIZE : 0, mappedIovecs);
            if (n < 0) {
                // Too many iovecs or unmapped: read into the chains mapped so far (a longer frame
                // is then truncated and counted); the first chain failing refuses it.
                return i == 0 ? n : mappedIovecs;
            }
            iovCount[i] = n - mappedIovecs;
            mappedIovecs = n;
            mappedBytes += held[i].writableBytes();
            mappedChains++;
        }
        return mappedIovecs;
    }

    private void refuseFirst() {
        stats.count(TapDataPathCounter.RX_BAD_CHAINS);
        rx.addUsed(held[0], 0);
        release(1);
    }

    /** The kernel wrote {@code total} bytes (header included) across the held chains. */
    private void deliver(long total) {
        if (total > mappedBytes || total <= 0) {
            // It reached the sentinel: longer than the buffers, the kernel cut it. The chains stay held.
            stats.count(TapDataPathCounter.RX_TRUNCATED);
            return;
        }
        int used = 0;
        long left = total;
        for (int i = 0; i < mappedChains && left > 0; i++) {
            left -= Math.min(left, held[i].writableBytes());
            used++;
        }
        header.set(LE16, NUM_BUFFERS_OFFSET, (short) used);
        if (tapHasHeader) {
            headerWriter.writeWritable(held[0], NUM_BUFFERS_OFFSET, header, NUM_BUFFERS_OFFSET, HEADER_SIZE - NUM_BUFFERS_OFFSET);
        } else {
            headerWriter.writeWritable(held[0], 0, header, 0, HEADER_SIZE);
        }
        left = total;
        for (int i = 0; i < used; i++) {
            long bytes = Math.min(left, held[i].writableBytes());
            rx.addUsed(held[i], bytes);
            left -= bytes;
        }
        release(used);
        stats.count(TapDataPathCounter.RX_FRAMES);
        stats.add(TapDataPathCounter.RX_BUFFERS, used);
        stats.add(TapDataPathCounter.RX_BYTES, total - HEADER_SIZE);
    }

    /** Drops the first {@code n} held chains (used); the chain objects move to the end for reuse. */
    private void release(int n) {
        int iovecsUsed = 0;
        long bytesUsed = 0;
        for (int i = 0; i < n; i++) {
            heldBytes -= held[i].writableBytes();
            if (i < mappedChains) {
                iovecsUsed += iovCount[i];
                bytesUsed += held[i].writableBytes();
            }
        }
        System.arraycopy(held, 0, spare, 0, n);
        System.arraycopy(held, n, held, 0, heldCount - n);
        System.arraycopy(spare, 0, held, heldCount - n, n);
        heldCount -= n;
        if (tapHasHeader && n <= mappedChains) {
            // The remaining chains' iovecs move to the front with them.
            iovecs.iovecs().shiftDown(iovecsUsed, mappedIovecs - iovecsUsed);
            System.arraycopy(iovCount, n, iovCount, 0, mappedChains - n);
            mappedChains -= n;
            mappedIovecs -= iovecsUsed;
            mappedBytes -= bytesUsed;
        } else {
            // Without IFF_VNET_HDR the new first chain must skip the header: map everything again.
            mappedChains = 0;
            mappedIovecs = 0;
            mappedBytes = 0;
        }
    }

    /**
     * The position to report at stop (the worker has ended): held chains were popped but not used,
     * so they are given back. A split index counts chains, so it is moved back over them; a packed
     * position counts slots (a chain may hold several), so the queue itself gives them back, and
     * when it cannot (a refused chain lies between) they go back used with length 0 instead.
     */
    int lastAvailIdx() {
        if (!rx.isPacked()) {
            return (rx.lastAvailIdx() - heldCount) & 0xffff;
        }
        if (heldCount > 0 && !rx.unpop(heldCount)) {
            for (int i = 0; i < heldCount; i++) {
                rx.addUsed(held[i], 0);
            }
            rx.publish();
        }
        heldCount = 0;
        heldBytes = 0;
        mappedChains = 0;
        mappedIovecs = 0;
        mappedBytes = 0;
        return rx.lastAvailIdx();
    }

    DeviceQueue queue() {
        return rx;
    }
}
