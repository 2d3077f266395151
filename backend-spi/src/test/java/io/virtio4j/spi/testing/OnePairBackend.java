package io.virtio4j.spi.testing;

import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.vring.ChainCopier;
import io.virtio4j.vring.DeviceQueue;

/**
 * A backend for device tests that serves one queue pair on the test's own thread: {@link #start}
 * maps rx0/tx0 as {@link DeviceQueue}s where the driver put them, and a subclass moves frames
 * when the test asks it to. {@link #stop} reports where each ring stopped.
 */
public abstract class OnePairBackend implements NetBackend {
    protected NetDataPlane plane;
    protected DeviceQueue rx;
    protected DeviceQueue tx;
    protected ChainCopier copier;

    @Override
    public int maxQueuePairs() {
        return 1;
    }

    @Override
    public void start(NetDataPlane dataPlane) {
        plane = dataPlane;
        DataQueue r = dataPlane.queues().get(0);
        DataQueue t = dataPlane.queues().get(1);
        rx = new DeviceQueue("rx0", dataPlane.memory(), r.layout(), r.availIdx(), r.usedIdx());
        tx = new DeviceQueue("tx0", dataPlane.memory(), t.layout(), t.availIdx(), t.usedIdx());
        copier = new ChainCopier(dataPlane.memory());
    }

    @Override
    public int[] stop() {
        return new int[] {rx.lastAvailIdx(), tx.lastAvailIdx()};
    }

    @Override
    public void close() {
    }
}
