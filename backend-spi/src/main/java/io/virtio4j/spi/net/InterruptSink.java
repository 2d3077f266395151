package io.virtio4j.spi.net;

/**
 * How the device interrupts the driver; implemented by the transport (virtio-mmio sets
 * InterruptStatus bits and signals its irq notifier). Called from any thread.
 */
public interface InterruptSink {
    /** Queue {@code index} has new used buffers the driver wants to hear of. */
    void usedBuffer(int index);

    /** The configuration space or DEVICE_NEEDS_RESET changed. */
    void configChanged();
}
