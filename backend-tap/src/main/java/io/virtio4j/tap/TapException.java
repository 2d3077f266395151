package io.virtio4j.tap;

import io.virtio4j.api.platform.NativeException;

/** Every failure of the TAP backend: setup ioctls and the data path. Messages name the interface. */
public final class TapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public TapException(String message, int errno) {
        super(errno == 0 ? message : message + " (errno " + errno + ")");
        this.errno = errno;
    }

    public TapException(String message, NativeException cause) {
        super(message, cause);
        this.errno = cause.errno();
    }

    /** The errno behind the failure, or 0 when it was not a failed system call. */
    public int errno() {
        return errno;
    }
}
