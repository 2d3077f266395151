package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.memory.RegionCache;

import java.lang.foreign.MemorySegment;

/**
 * Walks one descriptor chain (direct and indirect, spec 2.7.5.3) into a {@link DescriptorChain},
 * validating every index, flag combination, length and address before it is used. Returns null
 * when the chain is good, or the reason it is refused. Never throws for guest-controlled input.
 *
 * <p>Zero-length descriptors are skipped: the spec does not forbid them for the driver, they carry
 * no bytes, and skipping keeps callers from ever seeing an empty buffer. They still count toward
 * the loop limit, so a chain of empty descriptors cannot spin.
 *
 * <p>Buffers are checked through the queue's own {@link RegionCache}: in steady state a buffer
 * lies in the region the previous one hit, and the check is two compares, not a search. The
 * walker (and so the cache) lives and dies with its {@link DeviceQueue}, which is built over one
 * memory map: a new map means a new queue.
 */
final class ChainWalker {
    /** Spec 2.7.5.3.1: an indirect table holds at most 32768 descriptors (the max queue size). */
    static final int MAX_INDIRECT = 32768;
    private static final long MAX_CHAIN_BYTES = 0xffff_ffffL;

    private final SplitRing ring;
    private final RegionCache regions;
    private final boolean indirectAllowed;
    /** The descriptor that failed, for the log line. */
    long lastDetail;

    ChainWalker(SplitRing ring, GuestMemory memory) {
        this.ring = ring;
        this.regions = new RegionCache(memory);
        this.indirectAllowed = ring.layout().indirectDesc();
    }

    ChainError walk(int head, DescriptorChain out) {
        out.reset(head);
        lastDetail = head;
        if (head >= ring.size) {
            return ChainError.HEAD_OUT_OF_RANGE;
        }
        int index = head;
        int visited = 0;
        boolean sawWritable = false;
        long total = 0;
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
                if (!indirectAllowed) {
                    return ChainError.INDIRECT_NOT_NEGOTIATED;
                }
                if ((flags & SplitRing.DESC_F_NEXT) != 0) {
                    return ChainError.INDIRECT_WITH_NEXT;
                }
                // Linux emits an indirect descriptor alone; one ending a direct chain is accepted
                // too (it cannot have NEXT, so the walk ends there), with the same ordering and
                // length rules carried into the table, so it gains the driver nothing.
                return walkIndirect(addr, len, out, sawWritable, total);
            }
            boolean writable = (flags & SplitRing.DESC_F_WRITE) != 0;
            ChainError e = addBuffer(addr, len, writable, sawWritable, total, out);
            if (e != null) {
                return e;
            }
            sawWritable |= writable;
            total += len;
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

    private ChainError walkIndirect(long tableAddr, long tableLen, DescriptorChain out, boolean sawWritable, long total) {
        if (tableLen == 0 || (tableLen & 15) != 0 || tableLen / 16 > MAX_INDIRECT) {
            lastDetail = tableLen;
            return ChainError.INDIRECT_BAD_LENGTH;
        }
        MemorySegment table;
        try {
            // The table is read in place, so it must lie in one region (as in DPDK without copy).
            table = regions.slice(tableAddr, tableLen);
        } catch (GuestMemoryException e) {
            lastDetail = tableAddr;
            return ChainError.INDIRECT_UNMAPPED;
        }
        int entries = (int) (tableLen / 16);
        int index = 0;
        int visited = 0;
        while (true) {
            if (++visited > entries) {
                return ChainError.CHAIN_TOO_LONG;
            }
            lastDetail = index;
            // In bounds: index < entries is checked before each step, and 16 * entries == table size.
            long base = (long) index * SplitRing.DESC_SIZE;
            long addr = table.get(SplitRing.U64, base + SplitRing.DESC_ADDR);
            long len = Integer.toUnsignedLong(table.get(SplitRing.U32, base + SplitRing.DESC_LEN));
            int flags = Short.toUnsignedInt(table.get(SplitRing.U16, base + SplitRing.DESC_FLAGS));
            int next = Short.toUnsignedInt(table.get(SplitRing.U16, base + SplitRing.DESC_NEXT));
            if ((flags & SplitRing.DESC_F_INDIRECT) != 0) {
                return ChainError.NESTED_INDIRECT;
            }
            boolean writable = (flags & SplitRing.DESC_F_WRITE) != 0;
            ChainError e = addBuffer(addr, len, writable, sawWritable, total, out);
            if (e != null) {
                return e;
            }
            sawWritable |= writable;
            total += len;
            if ((flags & SplitRing.DESC_F_NEXT) == 0) {
                return null;
            }
            if (next >= entries) {
                lastDetail = next;
                return ChainError.NEXT_OUT_OF_RANGE;
            }
            index = next;
        }
    }

    private ChainError addBuffer(long addr, long len, boolean writable, boolean sawWritable, long total, DescriptorChain out) {
        if (!writable && sawWritable) {
            return ChainError.READABLE_AFTER_WRITABLE;
        }
        if (total + len > MAX_CHAIN_BYTES) {
            return ChainError.LENGTH_OVERFLOW;
        }
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
