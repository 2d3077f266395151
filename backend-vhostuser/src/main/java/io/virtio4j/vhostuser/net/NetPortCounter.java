package io.virtio4j.vhostuser.net;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** One ring's frame counters in a {@link VhostUserNetPort}, labelled {@code vring<N>:<label>}. */
public enum NetPortCounter implements CounterDescriptor {
    /** Frames the front-end transmitted that were handed over (TX rings). */
    RECEIVED,
    /** Frames put into the front-end's RX ring. */
    SENT,
    /** Frames dropped: too big, too small, no room, or a bad guest buffer. */
    DROPPED;


    @Override
    public int typeId() {
        return CounterTypes.VHOST_USER_PORT;
    }
}
