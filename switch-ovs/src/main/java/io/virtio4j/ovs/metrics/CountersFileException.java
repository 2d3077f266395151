package io.virtio4j.ovs.metrics;

/** A counters file that cannot be created, is not a counters file, or belongs to a writer that is gone. */
public final class CountersFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public CountersFileException(String message) {
        super(message);
    }

    /** A failure caused by {@code cause}. */
    public CountersFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
