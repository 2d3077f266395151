package io.virtio4j.ovs.port;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/**
 * A switch port's traffic counters ({@link PortCounters}), labelled {@code port:<name>:<label>};
 * a VXLAN port's VTEPs count the same four under {@code vtep:<port>:<address>:<label>}.
 */
public enum PortCounter implements CounterDescriptor {
    /** Frames received from the port. */
    RX_FRAMES,
    /** Bytes of those frames (no virtio-net header). */
    RX_BYTES,
    /** Frames sent to the port. */
    TX_FRAMES,
    /** Bytes of those frames, as written on the wire. */
    TX_BYTES;


    @Override
    public int typeId() {
        return CounterTypes.SWITCH_PORT;
    }
}
