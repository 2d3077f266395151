package io.virtio4j.spi;

/** A backend configuration that cannot be used: unknown backend, unknown option, malformed value. */
public final class BackendConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message must say what is wrong and what would be valid. */
    public BackendConfigException(String message) {
        super(message);
    }
}
