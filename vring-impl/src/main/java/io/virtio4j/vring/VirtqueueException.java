package io.virtio4j.vring;

/** The one exception of vring-impl: a queue that cannot be set up as described. */
public final class VirtqueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a queue layout was refused. */
    public enum Reason {
        /** Size not a power of two in 1..32768 (spec 2.7). */
        BAD_SIZE,
        /** A ring address is not aligned as spec 2.7 table "Virtqueue Part Alignment" requires. */
        MISALIGNED,
        /** A ring is not wholly inside one guest-memory region. */
        NOT_IN_ONE_REGION,
        /** A position to resume from names no slot of the ring, or more in flight than it holds. */
        BAD_POSITION,
        /** The driver ran out of free descriptors or was given an unusable chain. */
        DRIVER_MISUSE
    }

    private final Reason reason;

    /** A refusal for {@code reason}; the message says which address or size and what was expected. */
    public VirtqueueException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /** Why the queue was refused. */
    public Reason reason() {
        return reason;
    }
}
