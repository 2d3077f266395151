package io.virtio4j.api.kvm;

/** Where a guest's notify write lands. */
public enum IoEventSpace {
    /** A memory-mapped register (virtio-mmio QueueNotify, virtio-pci notify BAR). */
    MMIO,
    /** An x86 I/O port (legacy virtio-pci). */
    PIO
}
