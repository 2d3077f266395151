package io.virtio4j.spi;

/**
 * A virtio-net backend: what moves the frames of a device's queues. The device model (config
 * space, control queue, status) stays with the embedding VMM; the backend carries the data queues,
 * in process (TAP), in the kernel (vhost-net) or in another process (vhost-user).
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

    /** Releases every fd and thread. Idempotent. */
    @Override
    void close();
}
