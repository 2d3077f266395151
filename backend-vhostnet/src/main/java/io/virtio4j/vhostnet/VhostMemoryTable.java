package io.virtio4j.vhostnet;

import static io.virtio4j.vhostnet.bindings.VhostStructs.MEMORY_NREGIONS;
import static io.virtio4j.vhostnet.bindings.VhostStructs.MEMORY_PADDING;
import static io.virtio4j.vhostnet.bindings.VhostStructs.MEMORY_REGION_FLAGS_PADDING;
import static io.virtio4j.vhostnet.bindings.VhostStructs.MEMORY_REGION_GUEST_PHYS_ADDR;
import static io.virtio4j.vhostnet.bindings.VhostStructs.MEMORY_REGION_MEMORY_SIZE;
import static io.virtio4j.vhostnet.bindings.VhostStructs.MEMORY_REGION_USERSPACE_ADDR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.vhostnet.bindings.VhostStructs;

/**
 * Encodes a {@link GuestMemory} as the {@code struct vhost_memory} of VHOST_SET_MEM_TABLE: one
 * {@code vhost_memory_region} per guest region with its guest-physical base, its size and the
 * address where this process maps it. The kernel worker then translates the driver's buffer
 * addresses itself, inside this process's address space.
 */
public final class VhostMemoryTable {
    private VhostMemoryTable() {
    }

    /**
     * The table for {@code memory}, allocated from {@code allocator}.
     *
     * @throws VhostException if a region is not native memory (a heap segment has no address the kernel could use)
     */
    public static MemorySegment encode(GuestMemory memory, SegmentAllocator allocator) {
        int count = memory.regionCount();
        MemorySegment table = allocator.allocate(VhostStructs.memoryTableSize(count), Long.BYTES);
        // In bounds: the table holds the 8-byte head and count 32-byte regions; each offset below
        // is a field of the head or of region i < count.
        table.set(ValueLayout.JAVA_INT, MEMORY_NREGIONS, count);
        table.set(ValueLayout.JAVA_INT, MEMORY_PADDING, 0);
        for (int i = 0; i < count; i++) {
            GuestRegion region = memory.region(i);
            if (!region.segment().isNative()) {
                throw new VhostException("guest region " + i + " at 0x" + Long.toHexString(region.guestBase())
                        + " is heap memory; vhost needs native (mapped) memory");
            }
            long base = VhostStructs.memoryRegionOffset(i);
            table.set(ValueLayout.JAVA_LONG, base + MEMORY_REGION_GUEST_PHYS_ADDR, region.guestBase());
            table.set(ValueLayout.JAVA_LONG, base + MEMORY_REGION_MEMORY_SIZE, region.size());
            table.set(ValueLayout.JAVA_LONG, base + MEMORY_REGION_USERSPACE_ADDR, region.segment().address());
            table.set(ValueLayout.JAVA_LONG, base + MEMORY_REGION_FLAGS_PADDING, 0L);
        }
        return table;
    }
}
