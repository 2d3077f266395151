package io.virtio4j.api.memory;

import java.lang.foreign.MemorySegment;

/**
 * One contiguous range of guest-physical memory and the host segment that backs it.
 *
 * @param guestBase guest-physical address of the first byte
 * @param segment   host memory backing the range; its byte size is the region size
 * @param fd        file descriptor of the backing (a memfd) when it can be shared with another
 *                  process (vhost-user, vhost-net), or -1 for private memory; not owned by the region
 * @param fdOffset  offset of {@code guestBase} within {@code fd}
 */
public record GuestRegion(long guestBase, MemorySegment segment, int fd, long fdOffset) {

    /** Validates that the region is non-empty and that its end does not overflow 64 bits. */
    public GuestRegion {
        if (segment == null) {
            throw new IllegalArgumentException("region segment is null");
        }
        if (segment.byteSize() == 0) {
            throw new GuestMemoryException(GuestMemoryException.Kind.BAD_REGION, guestBase, 0,
                    "empty region at 0x" + Long.toHexString(guestBase));
        }
        if (guestBase < 0 || Long.MAX_VALUE - guestBase < segment.byteSize()) {
            throw new GuestMemoryException(GuestMemoryException.Kind.OVERFLOW, guestBase, segment.byteSize(),
                    "region end overflows: base 0x" + Long.toHexString(guestBase) + " size " + segment.byteSize());
        }
        if (fdOffset < 0) {
            throw new IllegalArgumentException("negative fd offset " + fdOffset);
        }
    }

    /** A private region with no shareable file descriptor. */
    public static GuestRegion of(long guestBase, MemorySegment segment) {
        return new GuestRegion(guestBase, segment, -1, 0);
    }

    /** Size in bytes. */
    public long size() {
        return segment.byteSize();
    }

    /** Guest-physical address one past the last byte (cannot overflow: checked at construction). */
    public long end() {
        return guestBase + segment.byteSize();
    }

    /** Whether the region can be shared with another process through {@link #fd()}. */
    public boolean shareable() {
        return fd >= 0;
    }
}
