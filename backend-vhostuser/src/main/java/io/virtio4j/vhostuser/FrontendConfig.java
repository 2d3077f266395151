package io.virtio4j.vhostuser;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@code vhost-user:} front-end reaches its back-end.
 *
 * @param path       the vhost-user socket
 * @param mode       who listens on it
 * @param reconnect  client mode: the retry interval while nobody listens; both modes: the pause
 *                   after a back-end that refused the handshake
 * @param queuePairs queue pairs the device may use (the back-end must serve as many)
 * @param replyTimeout how long the front-end waits for each reply of the back-end before it drops
 *                   the connection (and, if it may, tries again): a back-end that accepts and never
 *                   answers must not hold the device's start or stop forever
 * @param packedRings whether the device may offer VIRTIO_F_RING_PACKED when the back-end does (false:
 *                   split rings only, as QEMU's {@code packed=off})
 */
public record FrontendConfig(Path path, Mode mode, Duration reconnect, int queuePairs, Duration replyTimeout,
                             boolean packedRings) {
    /** The default {@link #replyTimeout}. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(5);

    /** The most queue pairs a {@code vhost-user:} device is given. */
    public static final int MAX_QUEUE_PAIRS = 16;

    /** Which end of the socket this front-end is. */
    public enum Mode {
        /** Connect to a back-end that listens (a vhost-user switch in server mode, DPDK net_vhost). */
        CLIENT,
        /** Listen; the back-end connects (OVS dpdkvhostuserclient ports, net_vhost {@code client=1}). */
        SERVER
    }

    /** Checks that path, mode and reconnect are given, the interval is positive and the queue pairs in range; a bad value is an {@link IllegalArgumentException}. */
    public FrontendConfig {
        if (path == null || mode == null || reconnect == null || replyTimeout == null) {
            throw new IllegalArgumentException("path, mode, reconnect and reply timeout are required");
        }
        if (replyTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("reply timeout must be at least 1 ms, got " + replyTimeout);
        }
        if (reconnect.isNegative() || reconnect.isZero()) {
            throw new IllegalArgumentException("reconnect interval must be positive, got " + reconnect);
        }
        if (queuePairs < 1 || queuePairs > MAX_QUEUE_PAIRS) {
            throw new IllegalArgumentException("queue pairs must be 1.." + MAX_QUEUE_PAIRS + ", got " + queuePairs);
        }
    }

    /** A configuration with the {@link #DEFAULT_REPLY_TIMEOUT}, packed rings allowed. */
    public FrontendConfig(Path path, Mode mode, Duration reconnect, int queuePairs) {
        this(path, mode, reconnect, queuePairs, DEFAULT_REPLY_TIMEOUT, true);
    }
}
