package io.virtio4j.spi;

import io.virtio4j.spi.net.NetDataPlane;

/**
 * A virtio-net backend: what moves the frames of a device's queues. The device model (config
 * space, control queue, status) stays with the embedding VMM ({@code io.virtio4j.spi.net.VirtioNetDevice});
 * the backend carries the data queues, in process (TAP), in the kernel (vhost-net) or in another
 * process (vhost-user).
 */
public interface NetBackend extends AutoCloseable {
    /** The provider name that created it ({@code tap}, {@code vhost-user}, {@code vhost-net}). */
    String name();

    /**
     * The virtio feature bits this backend can carry (offloads only if it can pass a vnet header,
     * MRG_RXBUF, EVENT_IDX, ...). The device offers what it implements intersected with this.
     */
    long supportedFeatures();

    /** How many queue pairs the backend can serve. */
    int maxQueuePairs();

    /**
     * The driver set DRIVER_OK: start moving frames on {@code plane}'s data queues. Called once
     * per start, never while started. Throwing refuses the start (the device sets NEEDS_RESET).
     */
    void start(NetDataPlane plane);

    /**
     * The driver changed how many queue pairs it uses (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, spec
     * 5.1.6.5.5) while the backend runs: from now on deliver received frames only on the receive
     * queues of pairs {@code 0..pairs-1} (the number is also in {@link NetDataPlane#control()}).
     * Called with the device's lock held on the thread that notified the control queue; must not
     * wait for the data path. The default ignores it (a backend with one pair has nothing to do).
     */
    default void queuePairsChanged(int pairs) {
    }

    /**
     * Stops using the queues (device reset or close): after it returns the backend touches
     * neither guest memory nor the notifiers. Only called after a successful {@link #start}.
     *
     * @return per data queue, in the order {@link NetDataPlane#queues()} gave them, the last avail
     * idx it processed (what vhost GET_VRING_BASE returns), to resume from
     */
    int[] stop();

    /** Releases every fd and thread. Idempotent. */
    @Override
    void close();
}
