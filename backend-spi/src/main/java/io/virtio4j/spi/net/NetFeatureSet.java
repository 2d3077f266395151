package io.virtio4j.spi.net;

import io.virtio4j.api.feature.FeatureRule;
import io.virtio4j.api.feature.Features;

import java.util.List;

import static io.virtio4j.api.feature.VirtioFeature.*;

/**
 * Which feature bits the device offers: what the device model itself implements, intersected with
 * what the backend can carry, then made consistent under {@link FeatureRule#NET} (a bit whose
 * companions were dropped is dropped too, repeatedly, until the set is closed).
 */
public final class NetFeatureSet {
    /** Bits the device model implements whatever the backend (transport, config, control queue). */
    static final long DEVICE_BITS = Features.of(VERSION_1, NET_MAC, NET_MTU, NET_STATUS,
            NET_CTRL_VQ, NET_CTRL_RX, NET_CTRL_MAC_ADDR, NET_GUEST_ANNOUNCE);

    /** Bits the backend must also support: ring features it implements and frame offloads it can carry. */
    static final long BACKEND_BITS = Features.of(RING_EVENT_IDX, RING_INDIRECT_DESC, RING_PACKED, NET_MRG_RXBUF,
            NET_CSUM, NET_GUEST_CSUM, NET_HOST_TSO4, NET_HOST_TSO6, NET_HOST_ECN, NET_HOST_UFO,
            NET_GUEST_TSO4, NET_GUEST_TSO6, NET_GUEST_ECN, NET_GUEST_UFO);

    private NetFeatureSet() {
    }

    /** The offered set for a backend supporting {@code backendBits} and {@code maxQueuePairs} pairs. */
    public static long offered(long backendBits, int maxQueuePairs) {
        long bits = DEVICE_BITS | (BACKEND_BITS & backendBits);
        if (maxQueuePairs > 1) {
            bits |= NET_MQ.mask();
        }
        return closeUnder(bits, FeatureRule.NET);
    }

    /** Drops every bit whose rule fails until none does (dropping one may break another). */
    static long closeUnder(long bits, List<FeatureRule> rules) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (FeatureRule rule : rules) {
                if (!rule.holds(bits)) {
                    bits &= ~rule.feature().mask();
                    changed = true;
                }
            }
        }
        return bits;
    }

}
