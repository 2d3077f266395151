package io.virtio4j.vring;

/**
 * One ring kind's device side, behind {@link DeviceQueue}: the split ring (spec 2.7) or the packed
 * ring (spec 2.8). Everything above the ring layer sees only {@link DeviceQueue}; the methods
 * mean what its methods of the same names say. Positions ({@link #lastAvailIdx}, {@link #usedIdx})
 * are a split ring's 16-bit indices, or a packed ring's slot with the wrap counter in bit 15.
 */
sealed interface DeviceRing permits SplitDeviceRing, PackedDeviceRing {
    DescriptorChain newChain();

    int pop(DescriptorChain[] chains, int max);

    boolean popOne(DescriptorChain chain);

    boolean unpop(int count);

    void addUsed(int head, long writtenBytes);

    void publish();

    boolean needsInterrupt();

    boolean enableNotification();

    void disableNotification();

    boolean hasAvailable();

    int lastAvailIdx();

    int usedIdx();

    boolean isBroken();

    int size();
}
