package io.virtio4j.api.memory;

/**
 * The one error type of the guest-memory layer: an address range that is not wholly mapped, or a
 * region set that cannot be built.
 *
 * <p>These are usually caused by a hostile or buggy driver, so they carry no stack trace (cheap to
 * raise from the data path) and say which range failed.
 */
public final class GuestMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** Some byte of the range belongs to no region. */
        UNMAPPED,
        /** The range is mapped but spans two regions where one contiguous slice was required. */
        CROSSES_REGION,
        /** address + length overflows 64 bits, or a length is negative. */
        OVERFLOW,
        /** Two regions overlap. */
        OVERLAP,
        /** A region is malformed (empty, misaligned, too many). */
        BAD_REGION
    }

    private final Kind kind;
    private final long address;
    private final long length;

    /** Creates an exception for the range [{@code address}, {@code address + length}). */
    public GuestMemoryException(Kind kind, long address, long length, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.address = address;
        this.length = length;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** Start of the offending range. */
    public long address() {
        return address;
    }

    /** Length of the offending range. */
    public long length() {
        return length;
    }
}
