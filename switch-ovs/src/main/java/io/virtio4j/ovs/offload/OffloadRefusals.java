package io.virtio4j.ovs.offload;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port's refused virtio-net headers by {@link OffloadError}: exact counts (one writer, the
 * port's PMD, with opaque stores; read by anyone with opaque loads) and a warning per kind at most
 * once a second across all ports, saying how many it stood for. Nothing allocated per refusal.
 */
public final class OffloadRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(OffloadRefusals.class);
    private static final RateLimitedLogs<OffloadError> LOGS =
            new RateLimitedLogs<>(LOG, TimeUnit.SECONDS.toNanos(1), OffloadError.class);
    private static final OffloadError[] ERRORS = OffloadError.values();

    private final String port;
    private final AtomicLongArray counts = new AtomicLongArray(ERRORS.length);

    /** Counts for the port called {@code port} (named in the warnings). */
    public OffloadRefusals(String port) {
        this.port = port;
    }

    /** Counts one frame refused for {@code error} and warns if this kind has not warned in the last second. */
    public void refuse(OffloadError error) {
        int i = error.ordinal();
        counts.setOpaque(i, counts.getOpaque(i) + 1);
        RateLimitedLog log = LOGS.of(error);
        if (log.allow()) {
            LOG.warn("port {}: dropped a frame whose virtio-net header is refused: {} ({} similar suppressed on all ports)",
                    port, error.label(), log.takeSuppressed());
        }
    }

    /** Frames refused for {@code error} so far. */
    public long count(OffloadError error) {
        return counts.getOpaque(error.ordinal());
    }

    /** Every error kind, in declaration order (for counter registration). */
    public static OffloadError[] errors() {
        return ERRORS.clone();
    }
}
