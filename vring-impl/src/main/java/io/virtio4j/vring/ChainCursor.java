package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.memory.RegionCache;
import io.virtio4j.api.platform.bindings.IoVec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A position in the bytes of one popped chain, either over its device-readable buffers (a reader)
 * or over its device-writable ones (a writer), as rust-vmm's virtio-queue Reader and Writer: read
 * or write host memory, {@link #skip}, {@link #limit}, {@link #remaining}, copy a reader into a
 * writer (the switch's one copy guest to guest) and fill iovecs for readv/writev. Every byte moved
 * advances the position; the buffers' split (one per header, one per page, zero-length ones the
 * walker dropped) never shows.
 *
 * <p>Reusable and allocation-free: point it at a chain with {@link #readable} or {@link #writable}
 * for each frame. Single-threaded; one cursor per side per poller.
 *
 * <p>Translation goes through the cursor's own {@link RegionCache}, bound to the memory each reset
 * names: consecutive buffers in one region cost two compares, and a cursor handed a chain of
 * another memory (another guest, or a new map) drops the cached region first. A chain must be used
 * with the memory of the queue that popped it; the walker proved its buffers mapped there, so an
 * unmapped buffer here means the caller mixed memories, and is refused with a
 * {@link GuestMemoryException} before any byte of it moves.
 */
public final class ChainCursor {
    /** Returned by {@link #toIovecs} when the bytes need more iovecs than allowed. */
    public static final int TOO_MANY = -1;
    /** Returned by {@link #toIovecs} when a buffer is not mapped in the cursor's memory. */
    public static final int UNMAPPED = -2;

    private final RegionCache regions = new RegionCache();
    private DescriptorChain chain;
    private boolean writer;
    /** The buffer holding the position, and one past the last buffer of this side. */
    private int index;
    private int end;
    /** Bytes of buffer {@code index} before the position (may run past it after a skip; span() normalises). */
    private long offset;
    /** Bytes left before the side's end or the limit. */
    private long remaining;
    private long consumed;
    /** Guest address of the position, set by span(). */
    private long address;

    /**
     * A cursor pointed at no chain: point it with {@link #readable} or {@link #writable} before use.
     * Make one per side per poller up front and reuse it for every frame.
     */
    public ChainCursor() {
    }

    /** Points the cursor at the device-readable bytes of {@code chain} (in {@code memory}), from the first. */
    public ChainCursor readable(GuestMemory memory, DescriptorChain chain) {
        return reset(memory, chain, false, 0, chain.readableCount(), chain.readableBytes());
    }

    /** Points the cursor at the device-writable bytes of {@code chain} (in {@code memory}), from the first. */
    public ChainCursor writable(GuestMemory memory, DescriptorChain chain) {
        return reset(memory, chain, true, chain.readableCount(), chain.count(), chain.writableBytes());
    }

    private ChainCursor reset(GuestMemory memory, DescriptorChain c, boolean write, int first, int last, long bytes) {
        regions.bind(Objects.requireNonNull(memory, "memory"));
        this.chain = c;
        this.writer = write;
        this.index = first;
        this.end = last;
        this.offset = 0;
        this.remaining = bytes;
        this.consumed = 0;
        return this;
    }

    /** Bytes left to read or write: to the end of this side of the chain, or to the limit. */
    public long remaining() {
        return remaining;
    }

    /** Bytes moved or skipped since the last reset. */
    public long consumed() {
        return consumed;
    }

    /** Whether this cursor writes (device-writable buffers) rather than reads. */
    public boolean isWriter() {
        return writer;
    }

    /** Passes over up to {@code n} bytes without touching them; returns how many were passed. */
    public long skip(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative skip " + n);
        }
        long k = Math.min(n, remaining);
        // Lazily: span() moves to the buffer the new offset falls in when the bytes are next used.
        advance(k);
        return k;
    }

    /** Caps the bytes left at {@code n} from the position (no effect if fewer are left). */
    public ChainCursor limit(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative limit " + n);
        }
        remaining = Math.min(remaining, n);
        return this;
    }

    /** Reads up to {@code length} bytes into {@code dst} at {@code dstOffset}; returns the bytes read. */
    public long read(MemorySegment dst, long dstOffset, long length) {
        requireWriter(false);
        return transfer(dst, null, dstOffset, length);
    }

    /** Reads up to {@code length} bytes into {@code dst} at {@code off}; returns the bytes read. */
    public int read(byte[] dst, int off, int length) {
        requireWriter(false);
        Objects.checkFromIndexSize(off, length, dst.length);
        return (int) transfer(null, dst, off, length);
    }

    /** Writes up to {@code length} bytes of {@code src} from {@code srcOffset}; returns the bytes written. */
    public long write(MemorySegment src, long srcOffset, long length) {
        requireWriter(true);
        return transfer(src, null, srcOffset, length);
    }

    /** Writes up to {@code length} bytes of {@code src} from {@code off}; returns the bytes written. */
    public int write(byte[] src, int off, int length) {
        requireWriter(true);
        Objects.checkFromIndexSize(off, length, src.length);
        return (int) transfer(null, src, off, length);
    }

    /**
     * Copies up to {@code max} bytes from this reader into writer {@code dst}, guest memory to guest
     * memory with no host buffer in between (the switch's one copy); stops at whichever side ends
     * first. Returns the bytes copied; both cursors advance by them.
     */
    public long copyTo(ChainCursor dst, long max) {
        requireWriter(false);
        dst.requireWriter(true);
        long done = 0;
        while (done < max) {
            long s = span();
            long d = dst.span();
            if (s <= 0 || d <= 0) {
                if (s < 0 || d < 0) {
                    throw (s < 0 ? this : dst).unmapped();
                }
                break;
            }
            long run = Math.min(max - done, Math.min(s, d));
            // In bounds: on each side [offset(address), + run) lies in the cached region's segment,
            // since span() stops at the region's end (and at the buffer's and the limit).
            MemorySegment.copy(regions.segment(), regions.offset(address),
                    dst.regions.segment(), dst.regions.offset(dst.address), run);
            dst.regions.markWritten(dst.address, run);
            advance(run);
            dst.advance(run);
            done += run;
        }
        return done;
    }

    /**
     * Points iovecs {@code first} .. at most {@code limit - 1} of the native array {@code iovecs}
     * (layout {@link IoVec}) at every remaining byte, straight into guest memory, splitting a
     * buffer where it crosses from one region to the next (adjacent guest regions need not be
     * adjacent on the host). Consumes the bytes. Returns the new iovec count, {@link #TOO_MANY}
     * (nothing is truncated: a shorter frame would be another frame) or {@link #UNMAPPED}; after a
     * negative result the position is unspecified. A writer reports the bytes to the dirty log, as
     * the kernel will write them.
     *
     * @throws IllegalArgumentException if a guest region is not native memory (no address to give the kernel)
     */
    public int toIovecs(MemorySegment iovecs, int first, int limit) {
        int count = first;
        while (true) {
            long run = span();
            if (run == 0) {
                return count;
            }
            if (run < 0) {
                return UNMAPPED;
            }
            if (count >= limit) {
                return TOO_MANY;
            }
            MemorySegment region = regions.segment();
            if (!region.isNative()) {
                throw new IllegalArgumentException("guest region at " + Long.toHexString(address)
                        + " is a heap segment: the kernel cannot be pointed at it");
            }
            // In bounds: [offset(address), + run) lies inside the live native region (span() stops
            // at its end), so the kernel is only pointed at mapped guest memory; IoVec.set checks
            // count against the array's size.
            IoVec.set(iovecs, count++, region.address() + regions.offset(address), run);
            if (writer) {
                regions.markWritten(address, run);
            }
            advance(run);
        }
    }

    /** The read/write loop: host segment {@code host} or array {@code array}, in this cursor's direction. */
    private long transfer(MemorySegment host, byte[] array, long hostOffset, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        long done = 0;
        while (done < length) {
            long run = span();
            if (run <= 0) {
                if (run < 0) {
                    throw unmapped();
                }
                break;
            }
            run = Math.min(run, length - done);
            MemorySegment guest = regions.segment();
            long at = regions.offset(address);
            // In bounds: [at, at + run) lies in the cached region's segment (span() stops at its
            // end); the host side is checked by MemorySegment.copy before any byte moves.
            if (array != null) {
                int i = (int) (hostOffset + done); // array bounds checked by the caller: fits an int
                if (writer) {
                    MemorySegment.copy(array, i, guest, ValueLayout.JAVA_BYTE, at, (int) run);
                } else {
                    MemorySegment.copy(guest, ValueLayout.JAVA_BYTE, at, array, i, (int) run);
                }
            } else if (writer) {
                MemorySegment.copy(host, hostOffset + done, guest, at, run);
            } else {
                MemorySegment.copy(guest, at, host, hostOffset + done, run);
            }
            if (writer) {
                regions.markWritten(address, run);
            }
            advance(run);
            done += run;
        }
        return done;
    }

    /**
     * Makes the position's region current and returns how many bytes from the position are
     * contiguous in one buffer and one region, at most {@link #remaining}; 0 at the end, -1 when
     * the position's address is unmapped in the cursor's memory. Sets {@link #address}.
     */
    private long span() {
        if (remaining == 0) {
            return 0;
        }
        DescriptorChain c = chain;
        // In bounds: index < end <= count, checked before each read (remaining > 0 means a byte is left).
        if (index >= end) {
            remaining = 0;
            return 0;
        }
        long length = c.lengthUnchecked(index);
        while (offset >= length) {
            offset -= length;
            if (++index >= end) {
                remaining = 0;
                return 0;
            }
            length = c.lengthUnchecked(index);
        }
        address = c.addressUnchecked(index) + offset;
        long inRegion = regions.locate(address);
        if (inRegion < 0) {
            return -1;
        }
        return Math.min(inRegion, Math.min(length - offset, remaining));
    }

    private void advance(long n) {
        offset += n;
        remaining -= n;
        consumed += n;
    }

    private void requireWriter(boolean write) {
        if (chain == null || writer != write) {
            throw new IllegalStateException(chain == null ? "cursor not pointed at a chain"
                    : write ? "a reader cannot write the chain" : "a writer cannot read the chain");
        }
    }

    private GuestMemoryException unmapped() {
        return new GuestMemoryException(GuestMemoryException.Kind.UNMAPPED, address, 1,
                "chain buffer at 0x%x is not mapped in this memory (a chain used with another memory than its queue's?)"
                        .formatted(address));
    }
}
