package io.virtio4j.vring;

/** One ring kind's driver side, behind {@link DriverQueue}; the methods mean what its methods say. */
sealed interface DriverRing permits SplitDriverRing, PackedDriverRing {
    int freeCount();

    int add(long[] addr, int[] len, boolean[] writable, int count);

    int addIndirect(long[] addr, int[] len, boolean[] writable, int count);

    void publish();

    boolean shouldKick();

    int reclaim(int[] ids, int[] lens, int max);

    void enableInterrupts(boolean enable);

    long badUsed();

    int availIdx();

    int size();

    boolean isBroken();
}
