package io.virtio4j.ovs.port;

/** A switch port could not be opened or used; the message names the port and the fix. */
public final class PortException extends RuntimeException {
    public PortException(String message) {
        super(message);
    }

    public PortException(String message, Throwable cause) {
        super(message, cause);
    }
}
