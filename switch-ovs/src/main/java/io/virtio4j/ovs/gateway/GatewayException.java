package io.virtio4j.ovs.gateway;

/** The gateway namespace could not be created, configured or removed; the message names the step and the fix. */
public final class GatewayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public GatewayException(String message) {
        super(message);
    }

    /** A failure caused by {@code cause}. */
    public GatewayException(String message, Throwable cause) {
        super(message, cause);
    }
}
