package io.virtio4j.spi.testing;

import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.net.NetDataPlane;

/** A backend that records what the device hands it, and can be told to refuse a start. */
public class RecordingBackend implements NetBackend {
    private final long features;
    private final int pairs;
    public NetDataPlane plane;
    public int starts;
    public int stops;
    public int closes;
    /** Every VQ_PAIRS_SET the device passed on, in order. */
    public final java.util.List<Integer> pairChanges = new java.util.ArrayList<>();
    public RuntimeException failStartWith;

    public RecordingBackend(long features, int pairs) {
        this.features = features;
        this.pairs = pairs;
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public long supportedFeatures() {
        return features;
    }

    @Override
    public int maxQueuePairs() {
        return pairs;
    }

    @Override
    public void start(NetDataPlane plane) {
        if (failStartWith != null) {
            throw failStartWith;
        }
        if (this.plane != null) {
            throw new IllegalStateException("started twice without stop");
        }
        this.plane = plane;
        starts++;
    }

    @Override
    public int[] stop() {
        int[] last = new int[plane.queues().size()];
        for (int i = 0; i < last.length; i++) {
            last[i] = plane.queues().get(i).availIdx() + 100 + i;
        }
        plane = null;
        stops++;
        return last;
    }

    @Override
    public void queuePairsChanged(int pairs) {
        pairChanges.add(pairs);
    }

    @Override
    public void close() {
        closes++;
    }
}
