package io.virtio4j.spi.net;

/** How a backend tells the device a queue is broken (the device then sets DEVICE_NEEDS_RESET). */
@FunctionalInterface
public interface QueueFailureListener {
    /**
     * Queue {@code index} cannot go on without a reset: the driver broke its invariants
     * ({@code DeviceQueue.isBroken()}), or the backend lost its position (a vhost-user back-end
     * that went away with packed rings, which have no used index in memory to resume from).
     */
    void queueBroken(int index);
}
