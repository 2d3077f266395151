package io.virtio4j.ovs.port;

import java.util.Map;

/**
 * A port's counters at one moment.
 *
 * @param rxFrames frames received from the port
 * @param rxBytes  bytes of those frames
 * @param txFrames frames the switch sent to the port
 * @param txBytes  bytes of those frames, as written
 * @param drops frames dropped at this port by reason (ingress drops and, for PORT_FULL, egress drops)
 */
public record PortStats(long rxFrames, long rxBytes, long txFrames, long txBytes,
                        Map<io.virtio4j.ovs.pipeline.DropReason, Long> drops) {
    /** Copies {@code drops}, so a snapshot never changes after it is taken. */
    public PortStats {
        drops = Map.copyOf(drops);
    }

    /** Frames dropped for any reason. */
    public long dropped() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }
}
