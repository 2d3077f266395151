package io.virtio4j.vhostuser.net;

import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.protocol.VringState;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.api.memory.DirtyLog;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.RegionCache;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.ChainError;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;

/**
 * One started ring as the data path holds it: the device queue over the session's guest memory,
 * reusable chains, and the call fd to signal. Built on the session thread at start; used by the
 * poller under the owning slot's lock, so a stop (which takes the same lock) never races a burst.
 *
 * <p>The call fd is never written here: a front-end can make an eventfd write block (it shares the
 * file description, so it can clear O_NONBLOCK and fill the counter), and the poller must never
 * block. An interrupt is handed to the session's {@link CallSignaller} thread instead, which owns
 * its own duplicate of the fd; handing it over takes no lock, allocates nothing and never blocks.
 */
public final class ActiveQueue {
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int BURST = 32;

    public final DeviceQueue queue;
    final GuestMemory memory;
    /** The features the front-end acknowledged for this start (what its frames and headers may use). */
    final long features;
    final DescriptorChain[] chains = new DescriptorChain[BURST];
    /**
     * Cursors over this ring's chains (a reader over a TX chain, a writer into an RX chain), owned
     * like the chains by the ring's one writer, the holder of the slot's lock: reused for every
     * frame, so no frame allocates or looks a cursor up. The writer translates through its own
     * region cache of this memory; the reader is re-bound to whichever memory its chain is in.
     */
    final ChainCursor reader = new ChainCursor();
    final ChainCursor writer = new ChainCursor();
    /** Who writes the call fd, or null when the ring has none (the driver then never gets interrupts). */
    private final CallSignaller signaller;
    private final int ringIndex;
    /** The ring's kick eventfd, borrowed like the call fd; valid while the ring runs (the session stops the ring before closing it). */
    final int kickFd;
    private final DirtyLog dirtyLog;
    private final long usedAddress;
    private final long usedBytes;
    /** The packed ring's device event suppression structure (0 bytes for a split ring, whose used ring holds its flags). */
    private final long deviceAreaAddress;
    private final long deviceAreaBytes;
    /** Translates for {@link #touch} and {@link #writeHeaders}; used like the chains, by the ring's one writer. */
    private final RegionCache touchRegions;
    /** Where {@link #touch} leaves what it loaded, so the loads are not optimised away. */
    private int touched;
    /**
     * Per chain whose header {@link #writeHeaders} wrote: its first writable buffer's guest address,
     * host segment and offset there, and how many bytes from the buffer's start lie in both the
     * buffer and that region (the most a frame may be written there directly, header included).
     */
    private final long[] rxAddress = new long[BURST];
    /**
     * Per chain {@link #touch} loaded: the host segment and offset of its readable bytes from the
     * touch offset on (the frame past the virtio-net header), and how many of them lie in one
     * buffer within one region (0 when the frame does not start in the first two buffers). A
     * frame that fits is then read with one copy, no cursor.
     */
    private final MemorySegment[] txSegment = new MemorySegment[BURST];
    private final long[] txOffset = new long[BURST];
    private final long[] txRoom = new long[BURST];
    private final MemorySegment[] rxSegment = new MemorySegment[BURST];
    private final long[] rxOffset = new long[BURST];
    private final long[] rxRoom = new long[BURST];

    public ActiveQueue(String name, VringState ring, GuestMemory memory, long features, RateLimitedLogs<ChainError> refusals) {
        boolean eventIdx = (features & BackendConfig.VIRTIO_RING_F_EVENT_IDX) != 0;
        boolean indirect = (features & BackendConfig.VIRTIO_RING_F_INDIRECT_DESC) != 0;
        boolean packed = (features & BackendConfig.VIRTIO_F_RING_PACKED) != 0;
        QueueLayout layout = new QueueLayout(ring.size(), ring.descAddress(), ring.availAddress(), ring.usedAddress(),
                eventIdx, indirect, packed);
        // Split: the used idx in guest memory is where the driver last saw us: resume from it (a
        // restart after GET_VRING_BASE completes every popped chain, so it normally equals the
        // base). Packed: no used index in memory; the base (slot and wrap counter, bit 15) is both
        // positions, as DPDK's vhost library sets last_used_idx from it.
        int usedIdx = packed ? ring.base() : Short.toUnsignedInt(memory.readShort(ring.usedAddress() + 2));
        this.queue = new DeviceQueue(name, memory, layout, ring.base(), usedIdx, refusals);
        this.memory = memory;
        this.features = features;
        this.touchRegions = new RegionCache(memory);
        for (int i = 0; i < BURST; i++) {
            chains[i] = queue.newChain();
        }
        this.signaller = ring.callFd() >= 0 ? ring.signaller() : null;
        this.ringIndex = ring.index();
        this.kickFd = ring.kickFd();
        this.dirtyLog = ring.dirtyLog();
        // What the device writes in the ring itself: the used ring (split), or the descriptor ring,
        // where used descriptors go, and the device event suppression structure (packed).
        this.usedAddress = packed ? ring.descAddress() : ring.usedAddress();
        this.usedBytes = packed ? layout.descBytes() : layout.usedBytes();
        this.deviceAreaAddress = ring.usedAddress();
        this.deviceAreaBytes = packed ? layout.usedBytes() : 0;
        // We poll: ask the driver not to kick (a no-op under EVENT_IDX, where kicks are rare anyway).
        queue.disableNotification();
    }

    /** Publishes the used elements of a burst and signals the driver if it wants an interrupt. */
    public void publishAndNotify() {
        queue.publish();
        // DeviceQueue writes the ring in place, not through GuestMemory.write, so a migration log
        // must hear of it here: the used ring (split), or the descriptor ring and the device event
        // structure (packed), are the ring's only device-written parts.
        DirtyLog log = dirtyLog;
        if (log != null) {
            log.markWritten(usedAddress, usedBytes);
            if (deviceAreaBytes != 0) {
                log.markWritten(deviceAreaAddress, deviceAreaBytes);
            }
        }
        CallSignaller s = signaller;
        if (s != null) {
            if (queue.needsInterrupt()) {
                s.signal(ringIndex);
            } else {
                // A write stuck since an earlier burst must be noticed even when no new one is asked for.
                s.checkStall();
            }
        }
    }

    /**
     * Loads one byte of each of {@code chains[0..n)}, {@code offset} bytes into its readable side
     * (the Ethernet header past the virtio-net header), in one tight loop before any frame is read:
     * the loads are independent, so the CPU has several of the burst's cache misses (lines the
     * front-end's CPU just wrote) in flight at once instead of stalling on each frame's header in
     * turn. Java has no prefetch instruction; this is its stand-in for DPDK's rte_prefetch0. The
     * translation it makes is kept ({@link #txSegment}): a frame in one buffer is then read
     * without translating again.
     */
    void touch(int n, long offset) {
        int sum = 0;
        for (int i = 0; i < n; i++) {
            txRoom[i] = 0;
            DescriptorChain c = chains[i];
            int readable = c.readableCount();
            if (readable == 0) {
                continue;
            }
            long first = c.length(0);
            // The frame starts in buffer 0 (header and frame together, as "any layout" drivers
            // send them) or at the start of buffer 1 (a header buffer of its own); otherwise the
            // cursor finds it.
            int buffer = offset < first ? 0 : offset == first && readable > 1 ? 1 : -1;
            if (buffer < 0) {
                continue;
            }
            long skip = buffer == 0 ? offset : 0;
            long address = c.address(buffer) + skip;
            long inRegion = touchRegions.locate(address);
            if (inRegion > 0) {
                MemorySegment segment = touchRegions.segment();
                long at = touchRegions.offset(address);
                // In bounds: locate() found inRegion >= 1 bytes at address in the cached region's
                // segment; the walker proved the buffer mapped.
                sum += segment.get(ValueLayout.JAVA_BYTE, at);
                txSegment[i] = segment;
                txOffset[i] = at;
                txRoom[i] = Math.min(inRegion, c.length(buffer) - skip);
            }
        }
        touched = sum;
    }

    /**
     * The host segment holding chain {@code i}'s frame as {@link #touch} found it: valid while
     * {@link #frameRoom} of {@code i} is above 0 and the chain is held.
     */
    MemorySegment frameSegment(int i) {
        return txSegment[i];
    }

    /** Where chain {@code i}'s frame starts in {@link #frameSegment}. */
    long frameOffset(int i) {
        return txOffset[i];
    }

    /**
     * How many of chain {@code i}'s frame bytes {@link #touch} found in one buffer within one
     * region, from the frame's start: they may be read straight from {@link #frameSegment}.
     */
    long frameRoom(int i) {
        return txRoom[i];
    }

    /**
     * Writes the virtio-net header of a frame in one buffer, {@code length} bytes (10, or 12 with
     * num_buffers), at the start of the first device-writable buffer of each of {@code chains[0..n)}
     * whose buffer holds them within one guest region, and says in {@code written} which ones it
     * did (the caller writes the others' through a cursor). Every field is 0 but num_buffers, 1:
     * two stores, not a copy, which for these few bytes costs several times the stores in FFM's
     * checks. Done for a burst's reserved RX chains before any frame is copied, in two loops: the
     * first finds each header's place and loads one byte of it, the second stores. Each write is
     * the first touch of a line the front-end last held or that left the cache since, and a CPU
     * commits stores in order, one missing line at a time, while independent loads wait for their
     * lines together: loading first lets the burst's misses overlap (Java's stand-in for DPDK's
     * prefetch of the buffers it is about to fill).
     */
    void writeHeaders(int n, int length, boolean[] written) {
        int sum = 0;
        for (int i = 0; i < n; i++) {
            boolean found = locateHeader(i, length);
            written[i] = found;
            if (found) {
                // In bounds: locateHeader found at least length bytes at rxOffset in rxSegment.
                sum += rxSegment[i].get(ValueLayout.JAVA_BYTE, rxOffset[i]);
            }
        }
        touched = sum;
        for (int i = 0; i < n; i++) {
            if (written[i]) {
                storeHeader(i, length);
            }
        }
    }

    /**
     * Finds where chain {@code i}'s header goes: the start of its first device-writable buffer, if
     * that buffer holds {@code length} bytes (10 or 12) within one guest region; records the
     * buffer's host segment, offset and room for {@link #storeHeader} and {@link #writeFrame}.
     */
    private boolean locateHeader(int i, int length) {
        DescriptorChain chain = chains[i];
        int first = chain.readableCount();
        if (length != VhostUserNetPort.HDR_V1 && length != VhostUserNetPort.HDR_LEGACY
                || first >= chain.count() || chain.length(first) < length) {
            return false;
        }
        long address = chain.address(first);
        long inRegion = touchRegions.locate(address);
        if (inRegion < length) {
            return false;
        }
        rxAddress[i] = address;
        rxSegment[i] = touchRegions.segment();
        rxOffset[i] = touchRegions.offset(address);
        rxRoom[i] = Math.min(inRegion, chain.length(first));
        return true;
    }

    /** Stores the one-buffer header where {@link #locateHeader} found its place for chain {@code i}. */
    private void storeHeader(int i, int length) {
        MemorySegment segment = rxSegment[i];
        long offset = rxOffset[i];
        // In bounds: locateHeader found at least length (10 or 12) bytes at offset in the
        // region's segment. The bytes are those of the port's one-buffer header: flags through
        // csum_start 0 (8 bytes), csum_offset 0, and in the 12-byte header num_buffers 1.
        segment.set(LE_LONG, offset, 0L);
        if (length == VhostUserNetPort.HDR_V1) {
            segment.set(LE_INT, offset + 8, 1 << 16);
        } else {
            segment.set(LE_SHORT, offset + 8, (short) 0);
        }
        touchRegions.markWritten(rxAddress[i], length);
    }

    /**
     * Writes a frame into reserved chain {@code i} right after the header {@link #writeHeaders}
     * put there: {@code headLength} bytes of {@code head}, then {@code bodyLength} bytes of
     * {@code body} from {@code bodyOffset}, straight into the buffer's host mapping (one
     * translation, made at the reservation; no cursor). Returns the bytes the chain now holds,
     * header included, or -1 when they would not fit the first buffer within its region (the
     * caller then writes through a cursor).
     */
    long writeFrame(int i, int headerLength, MemorySegment head, long headLength,
                    MemorySegment body, long bodyOffset, long bodyLength) {
        long total = headerLength + headLength + bodyLength;
        if (headLength < 0 || bodyLength < 0 || total > rxRoom[i]) {
            return -1;
        }
        MemorySegment segment = rxSegment[i];
        long at = rxOffset[i] + headerLength;
        // In bounds: [rxOffset, + total) lies in the segment (total <= rxRoom, which locateHeader
        // measured inside the region and the buffer); head's and body's ranges are checked by
        // MemorySegment.copy before a byte moves.
        if (headLength > 0) {
            MemorySegment.copy(head, 0, segment, at, headLength);
        }
        if (bodyLength > 0) {
            MemorySegment.copy(body, bodyOffset, segment, at + headLength, bodyLength);
        }
        touchRegions.markWritten(rxAddress[i] + headerLength, total - headerLength);
        return total;
    }

    /** Where the data path stopped. */
    int lastAvailIdx() {
        return queue.lastAvailIdx();
    }

    public void release() {
        // Nothing native: the signaller owns the call fd's duplicate, the session the ring's fds.
    }
}
