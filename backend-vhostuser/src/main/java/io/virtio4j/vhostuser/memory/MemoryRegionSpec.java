package io.virtio4j.vhostuser.memory;

import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.protocol.Message;

/**
 * One region as the front-end describes it (VhostUserMemoryRegion), validated: non-empty, and
 * neither guest, user nor file range overflows 64 bits (the integer-overflow class of
 * DPDK CVE-2020-10722). Addresses are treated as unsigned and anything at or above 2^63 is refused.
 */
public record MemoryRegionSpec(long guestAddress, long size, long userAddress, long mmapOffset) {

    /** Reads and validates region {@code index} of a memory table starting at payload {@code base}. */
    public static MemoryRegionSpec read(Message msg, int base) {
        MemoryRegionSpec spec = new MemoryRegionSpec(
                msg.u64(base + Message.REGION_GUEST_ADDR),
                msg.u64(base + Message.REGION_MEMORY_SIZE),
                msg.u64(base + Message.REGION_USER_ADDR),
                msg.u64(base + Message.REGION_MMAP_OFFSET));
        spec.validate();
        return spec;
    }

    void validate() {
        if (size <= 0) {
            throw VhostUserException.rejected("memory region of size " + Long.toUnsignedString(size));
        }
        if (guestAddress < 0 || userAddress < 0 || mmapOffset < 0) {
            throw VhostUserException.rejected("memory region address above 2^63: " + this);
        }
        try {
            Math.addExact(guestAddress, size);
            Math.addExact(userAddress, size);
            Math.addExact(mmapOffset, size);
        } catch (ArithmeticException e) {
            throw VhostUserException.rejected("memory region end overflows: " + this);
        }
    }

    /** Whether the guest or user ranges of the two regions intersect. */
    boolean overlaps(MemoryRegionSpec o) {
        return rangesMeet(guestAddress, size, o.guestAddress, o.size) || rangesMeet(userAddress, size, o.userAddress, o.size);
    }

    private static boolean rangesMeet(long a, long aLen, long b, long bLen) {
        // No overflow: validate() proved a + aLen and b + bLen fit.
        return a < b + bLen && b < a + aLen;
    }

    @Override
    public String toString() {
        return "region[gpa 0x%x size 0x%x uva 0x%x off 0x%x]".formatted(guestAddress, size, userAddress, mmapOffset);
    }
}
