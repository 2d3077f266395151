package io.virtio4j.api.feature;

import java.util.ArrayList;
import java.util.List;

/**
 * The device side of feature negotiation (spec 3.1.1 steps 4-6): the device offers a set, the
 * driver acks a subset, and the device accepts it (FEATURES_OK) only if the subset is consistent.
 *
 * <p>Refused: a bit the device did not offer, a bit whose required companion is missing
 * ({@link FeatureRule}), and - because virtio4j devices are modern-only - a driver that does not
 * ack {@link VirtioFeature#VERSION_1}.
 */
public final class FeatureNegotiation {
    private final long offered;
    private final List<FeatureRule> rules;
    private long acked;
    private boolean accepted;

    /**
     * @param offered what the device offers; must include VERSION_1 and satisfy {@code rules}
     *                itself, so that acking everything offered is always valid
     * @param rules   the device type's dependency rules (e.g. {@link FeatureRule#NET})
     */
    public FeatureNegotiation(long offered, List<FeatureRule> rules) {
        this.rules = List.copyOf(rules);
        if (!VirtioFeature.VERSION_1.in(offered)) {
            throw new IllegalArgumentException("a modern device must offer VIRTIO_F_VERSION_1");
        }
        List<String> own = problems(offered, offered, this.rules);
        if (!own.isEmpty()) {
            throw new IllegalArgumentException("offered set is inconsistent: " + own);
        }
        this.offered = offered;
    }

    /** What the device offers. */
    public long offered() {
        return offered;
    }

    /** What the driver acked and the device accepted, or 0 before acceptance. */
    public long negotiated() {
        return accepted ? acked : 0;
    }

    /** Whether {@link #accept} has succeeded since the last reset. */
    public boolean isAccepted() {
        return accepted;
    }

    /**
     * Validates and records the driver's acked set.
     *
     * @throws FeatureNegotiationException listing every problem; the negotiation stays unaccepted
     */
    public long accept(long driverAcked) {
        List<String> problems = problems(offered, driverAcked, rules);
        if (!problems.isEmpty()) {
            accepted = false;
            throw new FeatureNegotiationException(problems);
        }
        acked = driverAcked;
        accepted = true;
        return acked;
    }

    /** Forgets the acked set (device reset). */
    public void reset() {
        acked = 0;
        accepted = false;
    }

    /** Whether {@code feature} was negotiated. */
    public boolean has(VirtioFeature feature) {
        return accepted && feature.in(acked);
    }

    /** Every reason {@code acked} is not acceptable against {@code offered}; empty if it is. */
    public static List<String> problems(long offered, long acked, List<FeatureRule> rules) {
        List<String> problems = new ArrayList<>();
        long unoffered = acked & ~offered;
        if (unoffered != 0) {
            problems.add("driver acked features the device did not offer: " + Features.describe(unoffered));
        }
        if (!VirtioFeature.VERSION_1.in(acked)) {
            problems.add("driver did not ack VIRTIO_F_VERSION_1 (legacy drivers are not supported)");
        }
        for (FeatureRule rule : rules) {
            if (!rule.holds(acked)) {
                problems.add(rule.toString());
            }
        }
        return problems;
    }
}
