package io.virtio4j.api.status;

/** What the device does at the steps of initialisation the status machine drives. */
public interface StatusListener {
    /**
     * The driver set FEATURES_OK: validate the acked features. Returning false leaves FEATURES_OK
     * clear, which the driver sees on read-back (spec 3.1.1 step 6).
     */
    boolean featuresOk();

    /** The driver set DRIVER_OK: start the queues. Returning false puts the device in NEEDS_RESET. */
    boolean driverOk();

    /** The driver wrote 0: stop the queues and forget the negotiation. */
    void reset();
}
