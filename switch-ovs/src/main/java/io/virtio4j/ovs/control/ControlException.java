package io.virtio4j.ovs.control;

/**
 * A control interface failure: the socket cannot be served or reached, a reply is broken, or the
 * command line is wrong. {@link #switchNotRunning()} tells "nobody is listening" apart, so
 * {@code ./virtio4j ctl} can exit with its own status for it.
 */
public final class ControlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean switchNotRunning;

    /** A control failure described by {@code message}. */
    public ControlException(String message) {
        this(message, null, false);
    }

    /** A control failure caused by {@code cause}. */
    public ControlException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private ControlException(String message, Throwable cause, boolean switchNotRunning) {
        super(message, cause);
        this.switchNotRunning = switchNotRunning;
    }

    /** No switch listens on the control socket (the message names it). */
    static ControlException notRunning(String message, Throwable cause) {
        return new ControlException(message, cause, true);
    }

    /** Whether the failure is that no switch listens on the socket. */
    public boolean switchNotRunning() {
        return switchNotRunning;
    }
}
