package io.virtio4j.spi.net;

/** How a backend tells the device a queue is broken (the device then sets DEVICE_NEEDS_RESET). */
@FunctionalInterface
public interface QueueFailureListener {
    /** The driver broke queue {@code index}'s invariants ({@code DeviceQueue.isBroken()}). */
    void queueBroken(int index);
}
