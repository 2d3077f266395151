package io.virtio4j.vhostuser;

import io.virtio4j.api.platform.NativeException;

/**
 * The one error type of the vhost-user module: a failed system call (with its errno), a malformed
 * or hostile message, or a protocol violation. {@link #fatal()} says whether the connection can go
 * on (the message was consumed whole and rejected) or must be dropped (the stream is out of sync or
 * the peer broke a rule that leaves no safe state).
 */
public final class VhostUserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final boolean fatal;

    private VhostUserException(String message, int errno, boolean fatal) {
        this(message, null, errno, fatal);
    }

    private VhostUserException(String message, Throwable cause, int errno, boolean fatal) {
        super(message, cause, false, false);
        this.errno = errno;
        this.fatal = fatal;
    }

    /** A system call failed with {@code errno}. */
    public static VhostUserException syscall(String call, int errno) {
        return new VhostUserException(call + " failed: errno " + errno, errno, true);
    }

    /**
     * A call through {@link io.virtio4j.api.platform.Platform} failed: the module's one error type at
     * the boundary, same errno, the platform's message (call, errno name) kept as the cause.
     */
    public static VhostUserException syscall(String call, NativeException cause) {
        return new VhostUserException(call + " failed: errno " + cause.errno() + " (" + cause.getMessage() + ")", cause,
                cause.errno(), true);
    }

    /** The peer sent a message we reject; the connection can continue. */
    public static VhostUserException rejected(String message) {
        return new VhostUserException(message, 0, false);
    }

    /** The peer broke the protocol so that the connection must be closed. */
    public static VhostUserException fatal(String message) {
        return new VhostUserException(message, 0, true);
    }

    /** errno of the failed call, 0 when the error is not a system call's. */
    public int errno() {
        return errno;
    }

    /** Whether the connection must be dropped. */
    public boolean fatal() {
        return fatal;
    }
}
