package io.virtio4j.api.kvm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import io.virtio4j.api.platform.IoctlNumbers;

/**
 * The two KVM structs and requests the binding uses, from {@code /usr/include/linux/kvm.h}
 * (x86-64). Sizes and offsets are checked against the header by a test that compiles a C probe.
 */
public final class KvmStructs {
    private KvmStructs() {
    }

    /** {@code KVMIO}, the ioctl type of every KVM request. */
    public static final int KVMIO = 0xAE;

    /** {@code struct kvm_ioeventfd}: datamatch, addr, len, fd, flags, pad[36]; 64 bytes. */
    public static final StructLayout IOEVENTFD = MemoryLayout.structLayout(
            JAVA_LONG.withName("datamatch"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(36));
    /** Offsets in {@link #IOEVENTFD}. */
    public static final long IOEVENTFD_DATAMATCH = 0;
    /** Offset of {@code addr}: the guest-physical (MMIO) or port address watched. */
    public static final long IOEVENTFD_ADDR = 8;
    /** Offset of {@code len}: the width of the write watched, 1, 2, 4 or 8 bytes (0: any). */
    public static final long IOEVENTFD_LEN = 16;
    /** Offset of {@code fd}: the eventfd KVM signals. */
    public static final long IOEVENTFD_FD = 20;
    /** Offset of {@code flags}: {@code IOEVENTFD_FLAG_*}. */
    public static final long IOEVENTFD_FLAGS = 24;
    /** {@code KVM_IOEVENTFD_FLAG_DATAMATCH}: signal only when the written value equals datamatch. */
    public static final int IOEVENTFD_FLAG_DATAMATCH = 1;
    /** {@code KVM_IOEVENTFD_FLAG_PIO}: the address is an I/O port, not MMIO. */
    public static final int IOEVENTFD_FLAG_PIO = 1 << 1;
    /** {@code KVM_IOEVENTFD_FLAG_DEASSIGN}: remove a matching binding. */
    public static final int IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    /** {@code struct kvm_irqfd}: fd, gsi, flags, resamplefd, pad[16]; 32 bytes. */
    public static final StructLayout IRQFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("gsi"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("resamplefd"),
            MemoryLayout.paddingLayout(16));
    /** Offsets in {@link #IRQFD}. */
    public static final long IRQFD_FD = 0;
    /** Offset of {@code gsi}: the interrupt line injected. */
    public static final long IRQFD_GSI = 4;
    /** Offset of {@code flags}: {@code IRQFD_FLAG_*}. */
    public static final long IRQFD_FLAGS = 8;
    /** Offset of {@code resamplefd}: the eventfd KVM signals at the guest's EOI (with {@link #IRQFD_FLAG_RESAMPLE}). */
    public static final long IRQFD_RESAMPLEFD = 12;
    /** {@code KVM_IRQFD_FLAG_DEASSIGN}. */
    public static final int IRQFD_FLAG_DEASSIGN = 1;
    /** {@code KVM_IRQFD_FLAG_RESAMPLE}: level-triggered, with a resample notifier for the EOI. */
    public static final int IRQFD_FLAG_RESAMPLE = 1 << 1;

    /** {@code KVM_IOEVENTFD = _IOW(KVMIO, 0x79, struct kvm_ioeventfd)}. */
    public static final long KVM_IOEVENTFD = IoctlNumbers.iow(KVMIO, 0x79, IOEVENTFD.byteSize());
    /** {@code KVM_IRQFD = _IOW(KVMIO, 0x76, struct kvm_irqfd)}. */
    public static final long KVM_IRQFD = IoctlNumbers.iow(KVMIO, 0x76, IRQFD.byteSize());
}
