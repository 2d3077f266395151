package io.virtio4j.ovs.control;

import java.time.Duration;
import java.util.Objects;

/**
 * What one control client may cost the switch.
 *
 * @param maxClients     connections served at once; more are answered "busy" and closed
 * @param requestTimeout how long a client has to send its request line after connecting
 * @param replyTimeout   how long a client has to read its whole reply
 */
public record ControlLimits(int maxClients, Duration requestTimeout, Duration replyTimeout) {
    /** 8 clients, 2 s to ask, 10 s to read (a large FDB table over a slow terminal). */
    public static final ControlLimits DEFAULT = new ControlLimits(8, Duration.ofSeconds(2), Duration.ofSeconds(10));

    /** Checks for at least one client and positive timeouts. */
    public ControlLimits {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(replyTimeout, "replyTimeout");
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients must be at least 1");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || replyTimeout.isNegative() || replyTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }
}
