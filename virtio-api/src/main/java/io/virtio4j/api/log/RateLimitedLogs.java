package io.virtio4j.api.log;

import org.slf4j.Logger;

/**
 * One {@link RateLimitedLog} per kind of refusal, for a log site that names the kind in its
 * message: a flood of one kind must not hide the first line of another, and "similar
 * suppressed" must count only that kind. Hold it in a {@code static final} field so every
 * instance refusing the same way shares one limiter. Lookup is an array index: no allocation.
 */
public final class RateLimitedLogs<E extends Enum<E>> {
    private final RateLimitedLog[] byKind;

    /** One limiter for each constant of {@code kinds}, each allowing one line per {@code intervalNanos}. */
    public RateLimitedLogs(Logger log, long intervalNanos, Class<E> kinds) {
        this(log, intervalNanos, 1, kinds);
    }

    /** One limiter for each constant of {@code kinds}, each allowing a burst of {@code burst} lines, then one per {@code intervalNanos / burst}. */
    public RateLimitedLogs(Logger log, long intervalNanos, int burst, Class<E> kinds) {
        int count = kinds.getEnumConstants().length;
        byKind = new RateLimitedLog[count];
        for (int i = 0; i < count; i++) {
            byKind[i] = new RateLimitedLog(log, intervalNanos, burst);
        }
    }

    /** The limiter for {@code kind}. */
    public RateLimitedLog of(E kind) {
        return byKind[kind.ordinal()];
    }
}
