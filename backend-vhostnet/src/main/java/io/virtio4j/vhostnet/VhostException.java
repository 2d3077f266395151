package io.virtio4j.vhostnet;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.tap.TapException;

/**
 * Every failure of the vhost-net backend: opening {@code /dev/vhost-net}, a vhost ioctl the kernel
 * refused, a configuration the kernel cannot serve. The message says what was attempted and, for
 * the errors a user can act on, what to do.
 */
public final class VhostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /** A failure that is not a failed system call. */
    public VhostException(String message) {
        super(message);
        this.errno = 0;
    }

    /** A failed system call, explained by {@code message}; the cause keeps the call and errno. */
    public VhostException(String message, NativeException cause) {
        super(message, cause);
        this.errno = cause.errno();
    }

    /** A failure of the TAP the rings are attached to; keeps its errno. */
    public VhostException(String message, TapException cause) {
        super(message + ": " + cause.getMessage(), cause);
        this.errno = cause.errno();
    }

    /** The errno behind the failure, or 0 when it was not a failed system call. */
    public int errno() {
        return errno;
    }
}
