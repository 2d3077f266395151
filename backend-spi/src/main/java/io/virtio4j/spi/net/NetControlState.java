package io.virtio4j.spi.net;

/**
 * The receive-filter state the driver sets through the control queue (spec 5.1.6.5), as a backend
 * reads it from its own thread. Implementations publish each change atomically per field.
 */
public interface NetControlState {
    /** Deliver every frame (VIRTIO_NET_CTRL_RX_PROMISC). */
    boolean promiscuous();

    /** Deliver every multicast frame (VIRTIO_NET_CTRL_RX_ALLMULTI). */
    boolean allMulticast();

    /** The device MAC (config space, or the last VIRTIO_NET_CTRL_MAC_ADDR_SET), 48 bits in a long. */
    long mac();

    /** Unicast addresses to accept besides {@link #mac()} (MAC_TABLE_SET), 48 bits each; a copy. */
    long[] unicastFilter();

    /** Multicast addresses to accept (MAC_TABLE_SET), 48 bits each; a copy. */
    long[] multicastFilter();

    /** Queue pairs the driver uses (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET), 1 until it says otherwise. */
    int activeQueuePairs();

    /**
     * Whether a frame to {@code destination} passes the filter (the rule of spec 5.1.6.5.1/2:
     * promiscuous passes all, broadcast always passes, multicast with ALLMULTI or in the table,
     * unicast when it is the device MAC or in the table).
     */
    default boolean accepts(long destination) {
        if (promiscuous() || destination == MacAddress.BROADCAST) {
            return true;
        }
        if (MacAddress.isMulticast(destination)) {
            return allMulticast() || MacAddress.contains(multicastFilter(), destination);
        }
        return destination == mac() || MacAddress.contains(unicastFilter(), destination);
    }
}
