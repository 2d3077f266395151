package io.virtio4j.vhostnet.bindings;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The structs the vhost ioctls pass, from {@code /usr/include/linux/vhost_types.h} (x86-64 LP64:
 * {@code unsigned int} 4 bytes, {@code __u64} 8 bytes, natural alignment). Written by hand in the
 * style of jextract output; {@code VhostStructsTest} compares every size and offset with what a C
 * compiler says about the header.
 */
public final class VhostStructs {
    private VhostStructs() {
    }

    /** The 64-bit feature words of GET/SET_FEATURES and GET/SET_BACKEND_FEATURES ({@code __u64}). */
    public static final ValueLayout.OfLong FEATURES = JAVA_LONG;

    /** {@code struct vhost_vring_state { unsigned int index; unsigned int num; }}: 8 bytes. */
    public static final StructLayout VRING_STATE = MemoryLayout.structLayout(
            JAVA_INT.withName("index"),
            JAVA_INT.withName("num"));
    /** Offset of {@code index} in {@link #VRING_STATE}: the ring. */
    public static final long VRING_STATE_INDEX = 0;
    /** Offset of {@code num} in {@link #VRING_STATE}: the size, or the base index. */
    public static final long VRING_STATE_NUM = 4;

    /** {@code struct vhost_vring_file { unsigned int index; int fd; }}: 8 bytes; fd -1 unbinds. */
    public static final StructLayout VRING_FILE = MemoryLayout.structLayout(
            JAVA_INT.withName("index"),
            JAVA_INT.withName("fd"));
    /** Offset of {@code index} in {@link #VRING_FILE}: the ring. */
    public static final long VRING_FILE_INDEX = 0;
    /** Offset of {@code fd} in {@link #VRING_FILE}: the eventfd or TAP fd, or {@link #FILE_UNBIND}. */
    public static final long VRING_FILE_FD = 4;
    /** {@code VHOST_FILE_UNBIND}: the fd value that detaches a ring's kick/call/err or a net backend. */
    public static final int FILE_UNBIND = -1;

    /**
     * {@code struct vhost_vring_addr}: index, flags, then the user-space (this process's virtual)
     * addresses of the descriptor table, used ring and avail ring, and the guest-physical address
     * of the used ring for dirty logging; 40 bytes.
     */
    public static final StructLayout VRING_ADDR = MemoryLayout.structLayout(
            JAVA_INT.withName("index"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("desc_user_addr"),
            JAVA_LONG.withName("used_user_addr"),
            JAVA_LONG.withName("avail_user_addr"),
            JAVA_LONG.withName("log_guest_addr"));
    /** Offset of {@code index} in {@link #VRING_ADDR}: the ring. */
    public static final long VRING_ADDR_INDEX = 0;
    /** Offset of {@code flags} in {@link #VRING_ADDR}: {@link #VRING_ADDR_F_LOG} or 0. */
    public static final long VRING_ADDR_FLAGS = 4;
    /** Offset of {@code desc_user_addr} in {@link #VRING_ADDR}: the descriptor table, a host address. */
    public static final long VRING_ADDR_DESC = 8;
    /** Offset of {@code used_user_addr} in {@link #VRING_ADDR}: the used ring, a host address. */
    public static final long VRING_ADDR_USED = 16;
    /** Offset of {@code avail_user_addr} in {@link #VRING_ADDR}: the available ring, a host address. */
    public static final long VRING_ADDR_AVAIL = 24;
    /** Offset of {@code log_guest_addr} in {@link #VRING_ADDR}: the used ring's guest address, for dirty logging. */
    public static final long VRING_ADDR_LOG = 32;
    /** {@code 1 << VHOST_VRING_F_LOG}: log_guest_addr is valid and used-ring writes are logged. */
    public static final int VRING_ADDR_F_LOG = 1;

    /**
     * {@code struct vhost_memory_region}: guest_phys_addr, memory_size, userspace_addr,
     * flags_padding (no flags are defined; must be 0); 32 bytes.
     */
    public static final StructLayout MEMORY_REGION = MemoryLayout.structLayout(
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr"),
            JAVA_LONG.withName("flags_padding"));
    /** Offset of {@code guest_phys_addr} in {@link #MEMORY_REGION}. */
    public static final long MEMORY_REGION_GUEST_PHYS_ADDR = 0;
    /** Offset of {@code memory_size} in {@link #MEMORY_REGION}. */
    public static final long MEMORY_REGION_MEMORY_SIZE = 8;
    /** Offset of {@code userspace_addr} in {@link #MEMORY_REGION}: where this process mapped the region. */
    public static final long MEMORY_REGION_USERSPACE_ADDR = 16;
    /** Offset of {@code flags_padding} in {@link #MEMORY_REGION} (0). */
    public static final long MEMORY_REGION_FLAGS_PADDING = 24;

    /**
     * {@code struct vhost_memory { __u32 nregions; __u32 padding; struct vhost_memory_region regions[]; }}:
     * the fixed 8-byte head; the flexible array follows it ({@link #memoryTableSize}).
     * {@code sizeof(struct vhost_memory)}, and so the size field of VHOST_SET_MEM_TABLE, is the head's 8.
     */
    public static final StructLayout MEMORY = MemoryLayout.structLayout(
            JAVA_INT.withName("nregions"),
            JAVA_INT.withName("padding"));
    /** Offset of {@code nregions} in {@link #MEMORY}. */
    public static final long MEMORY_NREGIONS = 0;
    /** Offset of {@code padding} in {@link #MEMORY} (0). */
    public static final long MEMORY_PADDING = 4;
    /** Offset of the flexible {@code regions[]} array in {@link #MEMORY}: right after the header. */
    public static final long MEMORY_REGIONS = MEMORY.byteSize();

    /** Bytes of a {@code struct vhost_memory} with {@code regions} regions in its flexible array. */
    public static long memoryTableSize(int regions) {
        if (regions < 0) {
            throw new IllegalArgumentException("negative region count " + regions);
        }
        return MEMORY_REGIONS + regions * MEMORY_REGION.byteSize();
    }

    /** The offset of region {@code i} in a {@code struct vhost_memory}. */
    public static long memoryRegionOffset(int i) {
        return MEMORY_REGIONS + i * MEMORY_REGION.byteSize();
    }
}
