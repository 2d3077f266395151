package io.virtio4j.tap;

import io.virtio4j.api.platform.NativeException;

/** Every failure of the TAP backend: setup ioctls and the data path. Messages name the interface. */
public final class TapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /** A failure with the errno the kernel returned (0 if none); the message names the interface. */
    public TapException(String message, int errno) {
        super(errno == 0 ? message : message + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** A failure of a platform call; the errno is the cause's. */
    public TapException(String message, NativeException cause) {
        super(message, cause);
        this.errno = cause.errno();
    }

    /** The errno behind the failure, or 0 when it was not a failed system call. */
    public int errno() {
        return errno;
    }
}
