package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.memory.RegionCache;

import java.lang.foreign.MemorySegment;

/**
 * Validates the buffers of one descriptor chain into a {@link DescriptorChain}: every flag
 * combination, length and address checked before it is used; returns null when the chain is good,
 * or the reason it is refused. Never throws for guest-controlled input. Both ring kinds use it:
 * {@link #walk} follows a split ring's NEXT indices (spec 2.7.5); a packed ring's walker
 * ({@link PackedChainWalker}) steps through consecutive ring slots itself and hands each
 * descriptor to {@link #buffer} or {@link #indirect}, so the rules on buffers and indirect tables
 * are written once.
 *
 * <p>Zero-length descriptors are skipped: the spec does not forbid them for the driver, they carry
 * no bytes, and skipping keeps callers from ever seeing an empty buffer. They still count toward
 * the loop limit, so a chain of empty descriptors cannot spin.
 *
 * <p>Buffers are checked through the queue's own {@link RegionCache}: in steady state a buffer
 * lies in the region the previous one hit, and the check is two compares, not a search. The
 * walker (and so the cache) lives and dies with its queue, which is built over one memory map: a
 * new map means a new queue.
 *
 * <p>Tested by (through {@link DeviceQueue}, as a driver reaches it): {@code HostileDriverTest}
 * (each rule on split chains and indirect tables: bad heads and next indices, loops, zero-length
 * descriptors, nested or oversized indirect tables, lengths overflowing 32 bits, buffers leaving
 * or wrapping guest memory, readable after writable), {@code PackedHostileDriverTest} (the same
 * rules on packed chains), {@code RoundTripTest} (random good chains across region boundaries),
 * {@code RingAllocationTest} (the region cache allocates nothing) and the fuzz targets
 * {@code SplitRingFuzzTest}, {@code PackedRingFuzzTest} and {@code DeviceFuzzTest}.
 */
final class ChainWalker {
    /** Spec 2.7.5.3.1: an indirect table holds at most 32768 descriptors (the max queue size). */
    static final int MAX_INDIRECT = 32768;
    private static final long MAX_CHAIN_BYTES = 0xffff_ffffL;
    private static final int DESC_SIZE = 16;

    /** The split ring {@link #walk} follows, or null for a packed ring's walker. */
    private final SplitRing ring;
    private final RegionCache regions;
    final boolean indirectAllowed;
    /** The descriptor that failed, for the log line. */
    long lastDetail;
    /** The chain being built: whether a writable buffer came yet, and the bytes so far. */
    private boolean sawWritable;
    private long total;

    ChainWalker(SplitRing ring, GuestMemory memory) {
        this(ring, memory, ring.layout().indirectDesc());
    }

    /** A walker for a packed ring: only {@link #begin}, {@link #buffer} and {@link #indirect}. */
    ChainWalker(GuestMemory memory, boolean indirectAllowed) {
        this(null, memory, indirectAllowed);
    }

    private ChainWalker(SplitRing ring, GuestMemory memory, boolean indirectAllowed) {
        this.ring = ring;
        this.regions = new RegionCache(memory);
        this.indirectAllowed = indirectAllowed;
    }

    /** Starts a chain: {@code out} emptied and named {@code head}, no buffer seen yet. */
    void begin(DescriptorChain out, int head) {
        out.reset(head);
        lastDetail = head;
        sawWritable = false;
        total = 0;
    }

    /** Walks the split chain at {@code head}. */
    ChainError walk(int head, DescriptorChain out) {
        begin(out, head);
        if (head >= ring.size) {
            return ChainError.HEAD_OUT_OF_RANGE;
        }
        int index = head;
        int visited = 0;
        while (true) {
            // A chain can touch each descriptor at most once; more means a loop (as DPDK's cnt++ >= nr_descs).
            if (++visited > ring.size) {
                return ChainError.CHAIN_TOO_LONG;
            }
            lastDetail = index;
            int flags = ring.descFlags(index);
            long addr = ring.descAddr(index);
            long len = Integer.toUnsignedLong(ring.descLen(index));
            if ((flags & SplitRing.DESC_F_INDIRECT) != 0) {
                if ((flags & SplitRing.DESC_F_NEXT) != 0) {
                    return indirectAllowed ? ChainError.INDIRECT_WITH_NEXT : ChainError.INDIRECT_NOT_NEGOTIATED;
                }
                // Linux emits an indirect descriptor alone; one ending a direct chain is accepted
                // too (it cannot have NEXT, so the walk ends there), with the same ordering and
                // length rules carried into the table, so it gains the driver nothing.
                return indirect(addr, len, out, false);
            }
            ChainError e = buffer(addr, len, (flags & SplitRing.DESC_F_WRITE) != 0, out);
            if (e != null) {
                return e;
            }
            if ((flags & SplitRing.DESC_F_NEXT) == 0) {
                return null;
            }
            index = ring.descNext(index);
            if (index >= ring.size) {
                lastDetail = index;
                return ChainError.NEXT_OUT_OF_RANGE;
            }
        }
    }

    /**
     * Adds the buffers of the indirect table at {@code tableAddr}. A split table is linked by its
     * NEXT fields (spec 2.7.5.3); a packed one ({@code packed}) is its entries in order, every
     * flag but WRITE reserved (spec 2.8.8), so NEXT and the ids there are ignored. INDIRECT inside
     * a table is refused in both: a split driver MUST NOT set it, and a packed one MUST set no
     * flag but WRITE, so a table naming another table is a driver gone wrong, not one to follow.
     */
    ChainError indirect(long tableAddr, long tableLen, DescriptorChain out, boolean packed) {
        if (!indirectAllowed) {
            return ChainError.INDIRECT_NOT_NEGOTIATED;
        }
        if (tableLen == 0 || (tableLen & 15) != 0 || tableLen / DESC_SIZE > MAX_INDIRECT) {
            lastDetail = tableLen;
            return ChainError.INDIRECT_BAD_LENGTH;
        }
        MemorySegment table;
        try {
            // The table is read in place, so it must lie in one region (as in DPDK without copy).
            // Its address need not be 16-aligned: neither layout asks it of tables, and every
            // read below is an unaligned-safe access.
            table = regions.slice(tableAddr, tableLen);
        } catch (GuestMemoryException e) {
            lastDetail = tableAddr;
            return ChainError.INDIRECT_UNMAPPED;
        }
        int entries = (int) (tableLen / DESC_SIZE);
        int index = 0;
        int visited = 0;
        while (true) {
            if (++visited > entries) {
                return ChainError.CHAIN_TOO_LONG;
            }
            lastDetail = index;
            // In bounds: index < entries is checked before each step, and 16 * entries == table size.
            long base = (long) index * DESC_SIZE;
            long addr = table.get(SplitRing.U64, base + SplitRing.DESC_ADDR);
            long len = Integer.toUnsignedLong(table.get(SplitRing.U32, base + SplitRing.DESC_LEN));
            int flags = Short.toUnsignedInt(table.get(SplitRing.U16, base + (packed ? PackedRing.DESC_FLAGS : SplitRing.DESC_FLAGS)));
            if ((flags & SplitRing.DESC_F_INDIRECT) != 0) {
                return ChainError.NESTED_INDIRECT;
            }
            ChainError e = buffer(addr, len, (flags & SplitRing.DESC_F_WRITE) != 0, out);
            if (e != null) {
                return e;
            }
            if (packed) {
                if (visited == entries) {
                    return null;
                }
                index++;
                continue;
            }
            if ((flags & SplitRing.DESC_F_NEXT) == 0) {
                return null;
            }
            // In bounds: DESC_NEXT + 2 <= 16, read at the same base as above.
            int next = Short.toUnsignedInt(table.get(SplitRing.U16, base + SplitRing.DESC_NEXT));
            if (next >= entries) {
                lastDetail = next;
                return ChainError.NEXT_OUT_OF_RANGE;
            }
            index = next;
        }
    }

    /** Adds one direct buffer, after the ordering, total-length, mapping and capacity checks. */
    ChainError buffer(long addr, long len, boolean writable, DescriptorChain out) {
        if (!writable && sawWritable) {
            return ChainError.READABLE_AFTER_WRITABLE;
        }
        if (total + len > MAX_CHAIN_BYTES) {
            return ChainError.LENGTH_OVERFLOW;
        }
        sawWritable |= writable;
        total += len;
        if (len == 0) {
            return null;
        }
        // isMapped refuses a range that wraps past 2^63 or touches any unmapped byte; a buffer that
        // leaves the cached region is checked region by region, never assumed.
        if (!regions.isMapped(addr, len)) {
            lastDetail = addr;
            return ChainError.BUFFER_UNMAPPED;
        }
        if (out.count() >= out.capacity()) {
            return ChainError.CHAIN_TOO_LONG;
        }
        out.add(addr, (int) len, writable);
        return null;
    }
}
