package io.virtio4j.api.status;

import static io.virtio4j.api.status.DeviceStatus.ACKNOWLEDGE;
import static io.virtio4j.api.status.DeviceStatus.DEVICE_NEEDS_RESET;
import static io.virtio4j.api.status.DeviceStatus.DRIVER;
import static io.virtio4j.api.status.DeviceStatus.DRIVER_OK;
import static io.virtio4j.api.status.DeviceStatus.DRIVER_WRITABLE;
import static io.virtio4j.api.status.DeviceStatus.FAILED;
import static io.virtio4j.api.status.DeviceStatus.FEATURES_OK;

/**
 * The device status field as a state machine (virtio 1.2 sections 2.1, 3.1.1).
 *
 * <p>The driver's writes must follow the initialisation order: ACKNOWLEDGE, then DRIVER, then
 * FEATURES_OK (which the device may refuse, leaving it clear for the driver's read-back), then
 * DRIVER_OK. A driver never clears a bit except by writing 0 (reset), and never sets
 * DEVICE_NEEDS_RESET; FAILED may be set at any time. Writes that break these rules leave the status
 * unchanged and are reported as {@link StatusTransition#REJECTED}: a driver's mistake never throws
 * into the transport.
 *
 * <p>Not thread-safe: the transport serialises register accesses.
 */
public final class DeviceStatusMachine {
    private final StatusListener listener;
    private int status;

    /** A machine in the reset state that calls {@code listener} at each step. */
    public DeviceStatusMachine(StatusListener listener) {
        this.listener = listener;
    }

    /** The status as the driver reads it. */
    public int read() {
        return status;
    }

    /** Whether the driver has completed initialisation and the device is not broken. */
    public boolean isLive() {
        return (status & DRIVER_OK) != 0 && (status & (FAILED | DEVICE_NEEDS_RESET)) == 0;
    }

    /** Whether the driver may still write features (after DRIVER, before FEATURES_OK). */
    public boolean acceptsFeatureWrites() {
        return (status & DRIVER) != 0 && (status & (FEATURES_OK | FAILED)) == 0;
    }

    /**
     * The device found an unrecoverable error (for instance a broken queue): sets
     * DEVICE_NEEDS_RESET (spec 2.1.2). The transport should then raise a configuration-change
     * interrupt if DRIVER_OK was set.
     *
     * @return whether the bit was newly set
     */
    public boolean needsReset() {
        if ((status & DEVICE_NEEDS_RESET) != 0 || status == 0) {
            return false;
        }
        status |= DEVICE_NEEDS_RESET;
        return true;
    }

    /** Applies one driver write of the status register. */
    public StatusTransition write(int value) {
        if (value == 0) {
            status = 0;
            listener.reset();
            return StatusTransition.RESET;
        }
        int next = value & 0xff;
        // A driver never sets bits the spec does not give it, and never clears one without reset.
        if ((next & ~DRIVER_WRITABLE) != 0 || (status & DRIVER_WRITABLE & ~next) != 0) {
            return StatusTransition.REJECTED;
        }
        int added = next & ~status;
        if ((added & FAILED) != 0) {
            status |= FAILED;
            return StatusTransition.FAILED;
        }
        if ((status & FAILED) != 0 && added != 0) {
            return StatusTransition.REJECTED;
        }
        if (!inOrder(next)) {
            return StatusTransition.REJECTED;
        }
        if ((added & FEATURES_OK) != 0 && !listener.featuresOk()) {
            // Spec 3.1.1 step 6: the device refuses by not setting FEATURES_OK.
            status = (status | added) & ~(FEATURES_OK | DRIVER_OK);
            return StatusTransition.FEATURES_REFUSED;
        }
        status = (status & DEVICE_NEEDS_RESET) | next;
        if ((added & DRIVER_OK) != 0 && !listener.driverOk()) {
            status |= DEVICE_NEEDS_RESET;
            return StatusTransition.START_FAILED;
        }
        return StatusTransition.ACCEPTED;
    }

    /** Each step needs the one before it. */
    private static boolean inOrder(int bits) {
        if ((bits & DRIVER) != 0 && (bits & ACKNOWLEDGE) == 0) {
            return false;
        }
        if ((bits & FEATURES_OK) != 0 && (bits & DRIVER) == 0) {
            return false;
        }
        return (bits & DRIVER_OK) == 0 || (bits & FEATURES_OK) != 0;
    }

    @Override
    public String toString() {
        return DeviceStatus.describe(status);
    }
}
