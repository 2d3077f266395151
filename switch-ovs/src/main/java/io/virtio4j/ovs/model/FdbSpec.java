package io.virtio4j.ovs.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The MAC learning table's limits.
 *
 * @param maxEntries entries kept at most (a full table stops learning and counts it; it floods)
 * @param ageing     how long an entry lives after its MAC was last seen as a source
 */
public record FdbSpec(int maxEntries, Duration ageing) {

    /** OVS's defaults: 8192 entries, 300 s. */
    public static final FdbSpec DEFAULT = new FdbSpec(8192, Duration.ofSeconds(300));

    /** Checks for room for one entry and a positive ageing time. */
    public FdbSpec {
        Objects.requireNonNull(ageing, "ageing");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("the FDB needs room for at least one entry");
        }
        if (ageing.isNegative() || ageing.isZero()) {
            throw new IllegalArgumentException("FDB ageing must be positive");
        }
    }
}
