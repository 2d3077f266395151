package io.virtio4j.ovs.port;

/** A switch port could not be opened or used; the message names the port and the fix. */
public final class PortException extends RuntimeException {
    /** A port failure the message fully explains (a bad spec, a TAP opened without its vnet header). */
    public PortException(String message) {
        super(message);
    }

    /** A port failure caused by {@code cause} (an I/O or native error, or a full counters file, while opening, using or closing it). */
    public PortException(String message, Throwable cause) {
        super(message, cause);
    }
}
