package io.virtio4j.spi.net;

import io.virtio4j.spi.NetBackend;

/**
 * What a VMM chooses for one virtio-net device.
 *
 * @param mac           the device MAC (48 bits), offered with VIRTIO_NET_F_MAC
 * @param mtu           the maximum MTU (68..65535), offered with VIRTIO_NET_F_MTU
 * @param maxQueuePairs 1..(the backend's max); VIRTIO_NET_F_MQ is offered when > 1
 * @param queueSize     the QueueNumMax of every queue (power of two, 2..32768)
 * @param backend       what carries the data queues
 */
public record NetDeviceConfig(long mac, int mtu, int maxQueuePairs, int queueSize, NetBackend backend) {
    /** The spec's bound on max_virtqueue_pairs (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX, 5.1.6.5.5). */
    public static final int MAX_QUEUE_PAIRS = 0x8000;

    /** Checks every value against the spec's bounds and the backend's queue pairs; a bad one is a {@link NetDeviceException}. */
    public NetDeviceConfig {
        if ((mac & ~MacAddress.BROADCAST) != 0 || MacAddress.isMulticast(mac) || mac == 0) {
            throw new NetDeviceException("device MAC must be a 48-bit unicast address, got 0x" + Long.toHexString(mac));
        }
        if (mtu < 68 || mtu > 65535) {
            throw new NetDeviceException("mtu must be 68..65535, got " + mtu);
        }
        if (backend == null) {
            throw new NetDeviceException("a backend is required");
        }
        if (maxQueuePairs < 1 || maxQueuePairs > Math.min(MAX_QUEUE_PAIRS, backend.maxQueuePairs())) {
            throw new NetDeviceException("max queue pairs must be 1.." + Math.min(MAX_QUEUE_PAIRS, backend.maxQueuePairs())
                    + " (backend " + backend.name() + "), got " + maxQueuePairs);
        }
        if (queueSize < 2 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
            throw new NetDeviceException("queue size must be a power of two in 2..32768, got " + queueSize);
        }
    }
}
