package io.virtio4j.ovs.vxlan;

import java.util.concurrent.atomic.AtomicLongArray;

import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.ovs.model.Ipv4;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VXLAN port's drops by {@link VxlanDrop}, exact per port, and one rate-limited log line per
 * reason for all ports together (a flood of one kind hides neither another kind nor costs a line
 * per datagram). Underlay reasons have one writer (the PMD polling the port); overlay reasons are
 * written under the port's transmit lock; so each count is a plain add published with a lazy set.
 */
public final class VxlanDrops {
    private static final Logger LOG = LoggerFactory.getLogger(VxlanDrops.class);
    private static final RateLimitedLogs<VxlanDrop> LOGS =
            new RateLimitedLogs<>(LOG, 1_000_000_000L, VxlanDrop.class);

    private final String port;
    private final AtomicLongArray counts = new AtomicLongArray(VxlanDrop.values().length);

    /** Drops of the port called {@code port} (the name its log lines carry). */
    public VxlanDrops(String port) {
        this.port = port;
    }

    /** Counts {@code frames} drops for {@code reason}, with {@code peer} (an underlay address, or 0) in the log line. */
    void count(VxlanDrop reason, int frames, int peer) {
        int i = reason.ordinal();
        counts.lazySet(i, counts.get(i) + frames);
        if (LOGS.of(reason).allow()) {
            // Formatting (and its allocation) only for the one line a second that is logged.
            String from = peer == 0 ? "" : " from " + Ipv4.format(peer);
            LOG.warn("port {}: VXLAN {} dropped{} ({} similar suppressed)", port, reason.label(), from,
                    LOGS.of(reason).takeSuppressed());
        }
    }

    /** Drops counted for {@code reason}. */
    public long count(VxlanDrop reason) {
        return counts.get(reason.ordinal());
    }
}
