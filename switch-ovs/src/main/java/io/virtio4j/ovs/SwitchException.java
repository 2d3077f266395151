package io.virtio4j.ovs;

/** The switch could not be built, started or stopped; the message says what and how to fix it. */
public final class SwitchException extends RuntimeException {
    /** A failure; the message says what failed and how to fix it. */
    public SwitchException(String message) {
        super(message);
    }

    /** A failure; the message says what failed and how to fix it, {@code cause} why (may be null). */
    public SwitchException(String message, Throwable cause) {
        super(message, cause);
    }
}
