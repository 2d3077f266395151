package io.virtio4j.api.memory;

/** How a translated range will be used; writes are what dirty-page logging must see. */
public enum Access {
    /** The device reads guest memory (a driver-readable descriptor). */
    READ,
    /** The device writes guest memory (a device-writable descriptor, the used ring). */
    WRITE
}
