package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.transport.ReceivedFds;

/**
 * What a back-end offers.
 *
 * @param deviceFeatures virtio feature bits offered by GET_FEATURES (PROTOCOL_FEATURES is added)
 * @param protocolFeatures vhost-user protocol features offered, a subset of {@code ProtocolFeature.IMPLEMENTED}
 * @param queuePairs      RX/TX queue pairs; rings are numbered 0 .. 2 * queuePairs - 1
 * @param maxMemSlots     memory regions accepted through ADD_MEM_REG (SET_MEM_TABLE is limited to 8)
 * @param maxGuestMemory  bytes of guest memory one session may have mapped at once (the sum of its
 *                        regions' sizes); a SET_MEM_TABLE or ADD_MEM_REG beyond it is refused
 */
public record BackendConfig(long deviceFeatures, long protocolFeatures, int queuePairs, int maxMemSlots,
                            long maxGuestMemory) {
    /** The default {@link #maxGuestMemory}: 64 GiB. */
    public static final long DEFAULT_MAX_GUEST_MEMORY = 64L << 30;
    /** VIRTIO_F_VERSION_1. */
    public static final long VIRTIO_F_VERSION_1 = 1L << 32;
    /** VIRTIO_NET_F_MRG_RXBUF. */
    public static final long VIRTIO_NET_F_MRG_RXBUF = 1L << 15;
    /** VIRTIO_RING_F_INDIRECT_DESC. */
    public static final long VIRTIO_RING_F_INDIRECT_DESC = 1L << 28;
    /** VIRTIO_RING_F_EVENT_IDX. */
    public static final long VIRTIO_RING_F_EVENT_IDX = 1L << 29;
    /** VIRTIO_F_RING_PACKED: the packed virtqueue layout (virtio 1.2 section 2.8). */
    public static final long VIRTIO_F_RING_PACKED = 1L << 34;
    /** VHOST_F_LOG_ALL: the back-end logs every guest write (live migration). */
    public static final long VHOST_F_LOG_ALL = 1L << 26;
    /** VIRTIO_NET_F_MQ: the device has more than one queue pair (max_virtqueue_pairs in config space). */
    public static final long VIRTIO_NET_F_MQ = 1L << 22;
    /** VIRTIO_NET_F_MTU. */
    public static final long VIRTIO_NET_F_MTU = 1L << 3;

    /** Checks that the protocol features are implemented, the queue pairs (1..128) and the memory slots (8..509). */
    public BackendConfig {
        if ((protocolFeatures & ~ProtocolFeature.IMPLEMENTED) != 0) {
            throw new IllegalArgumentException("protocol features not implemented: 0x"
                    + Long.toHexString(protocolFeatures & ~ProtocolFeature.IMPLEMENTED));
        }
        if (queuePairs < 1 || queuePairs > 128) {
            throw new IllegalArgumentException("queue pairs must be 1..128: " + queuePairs);
        }
        if (maxMemSlots < ReceivedFds.MAX || maxMemSlots > 509) {
            throw new IllegalArgumentException("memory slots must be 8..509: " + maxMemSlots);
        }
        if (maxGuestMemory <= 0) {
            throw new IllegalArgumentException("the guest memory limit must be positive: " + maxGuestMemory);
        }
    }

    /** As the canonical constructor, with the {@link #DEFAULT_MAX_GUEST_MEMORY default} guest memory limit. */
    public BackendConfig(long deviceFeatures, long protocolFeatures, int queuePairs, int maxMemSlots) {
        this(deviceFeatures, protocolFeatures, queuePairs, maxMemSlots, DEFAULT_MAX_GUEST_MEMORY);
    }

    /** This config with a session allowed {@code bytes} of guest memory mapped at once. */
    public BackendConfig withMaxGuestMemory(long bytes) {
        return new BackendConfig(deviceFeatures, protocolFeatures, queuePairs, maxMemSlots, bytes);
    }

    /** This config offering {@code features} besides its own device features. */
    public BackendConfig withFeatures(long features) {
        return new BackendConfig(deviceFeatures | features, protocolFeatures, queuePairs, maxMemSlots, maxGuestMemory);
    }

    /**
     * A virtio-net back-end with VERSION_1, MRG_RXBUF, INDIRECT_DESC, EVENT_IDX and RING_PACKED (all
     * handled by vring-impl's DeviceQueue and {@code VhostUserNetPort}; a front-end takes packed rings
     * only when it asks for them, as QEMU's {@code packed=on} or DPDK's {@code packed_vq=1}), every
     * implemented protocol feature, 32 slots,
     * at most {@link #DEFAULT_MAX_GUEST_MEMORY} of guest memory.
     * With more than one pair also VIRTIO_NET_F_MQ: QEMU offers the guest multiqueue only when the
     * back-end has that bit (the control queue and max_virtqueue_pairs stay in QEMU); the MQ
     * protocol feature's GET_QUEUE_NUM then answers {@code queuePairs}.
     */
    public static BackendConfig net(int queuePairs) {
        long mq = queuePairs > 1 ? VIRTIO_NET_F_MQ : 0;
        return new BackendConfig(VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_RING_F_INDIRECT_DESC
                | VIRTIO_RING_F_EVENT_IDX | VIRTIO_F_RING_PACKED | VHOST_F_LOG_ALL | mq, ProtocolFeature.IMPLEMENTED, queuePairs, 32);
    }

    /** Number of rings. */
    public int rings() {
        return 2 * queuePairs;
    }

    /** Features offered by GET_FEATURES. */
    public long offeredFeatures() {
        return deviceFeatures | ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES;
    }
}
