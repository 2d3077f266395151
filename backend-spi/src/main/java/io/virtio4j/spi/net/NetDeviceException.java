package io.virtio4j.spi.net;

/** The one exception of the device model: a configuration the device cannot be built with. */
public final class NetDeviceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A refusal; the message names the value and what is allowed. */
    public NetDeviceException(String message) {
        super(message);
    }

    /** A refusal caused by {@code cause}. */
    public NetDeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
