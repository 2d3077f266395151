package io.virtio4j.api.status;

/** The outcome of one driver write to the status field. */
public enum StatusTransition {
    /** The new bits were legal and are now set. */
    ACCEPTED,
    /** The write was 0: the device was reset. */
    RESET,
    /** The write set FEATURES_OK but the acked features were refused; FEATURES_OK stays clear. */
    FEATURES_REFUSED,
    /** The write skipped a step, cleared a bit, or set DEVICE_NEEDS_RESET; the status is unchanged. */
    REJECTED,
    /** The driver set FAILED. */
    FAILED,
    /** DRIVER_OK could not start the device; DEVICE_NEEDS_RESET is now set. */
    START_FAILED
}
