package io.virtio4j.ovs;

/** The switch could not be built, started or stopped; the message says what and how to fix it. */
public final class SwitchException extends RuntimeException {
    public SwitchException(String message) {
        super(message);
    }

    public SwitchException(String message, Throwable cause) {
        super(message, cause);
    }
}
