package io.virtio4j.api.platform;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.bindings.LibC;

/**
 * The one error type of the native platform: a system call failed with an {@code errno} other
 * than the ones the {@link Platform} conventions absorb (EINTR, and EAGAIN for read/write).
 *
 * <p>The message names the call, an optional caller-supplied detail (the ioctl, the device), the
 * errno's symbol and its description, e.g.
 * {@code "ioctl(TUNSETIFF) failed: EPERM (Operation not permitted)"}.
 */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final String detail;
    private final int errno;

    /** A failure of {@code call} with {@code errno} and no detail. */
    public NativeException(String call, int errno) {
        this(call, null, errno);
    }

    /**
     * A failure of {@code call} with {@code errno}; {@code detail} (may be null) is shown in
     * parentheses after the call name.
     */
    public NativeException(String call, String detail, int errno) {
        super(format(call, detail, errno));
        this.call = call;
        this.detail = detail;
        this.errno = errno;
    }

    /** The same failure with {@code detail} (e.g. the ioctl name) added by a caller that knows it. */
    public NativeException withDetail(String newDetail) {
        NativeException e = new NativeException(call, newDetail, errno);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The failed call, e.g. {@code "ioctl"}. */
    public String call() {
        return call;
    }

    /** The caller-supplied detail, or null. */
    public String detail() {
        return detail;
    }

    /** The errno value. */
    public int errno() {
        return errno;
    }

    /** The errno's symbol, e.g. {@code "ENOENT"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The errno's description, e.g. {@code "No such file or directory"}. */
    public String description() {
        return describe(errno);
    }

    private static String format(String call, String detail, int errno) {
        String where = detail == null ? call + "()" : call + "(" + detail + ")";
        return where + " failed: " + Errno.name(errno) + " (" + describe(errno) + ")";
    }

    /** glibc's untranslated description when available, else a neutral fallback. */
    static String describe(int errno) {
        MemorySegment text = LibC.strerrordesc(errno).orElse(MemorySegment.NULL);
        if (text.equals(MemorySegment.NULL)) {
            return "errno " + errno;
        }
        // In bounds: strerrordesc_np returns a NUL-terminated static string; 256 bytes is longer than
        // any glibc description and getString stops at the terminator.
        return text.reinterpret(256).getString(0);
    }
}
