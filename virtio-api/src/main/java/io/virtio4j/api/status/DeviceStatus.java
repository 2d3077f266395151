package io.virtio4j.api.status;

/** The bits of the device status field (virtio 1.2 section 2.1). */
public final class DeviceStatus {
    private DeviceStatus() {
    }

    /** The guest OS has found the device. */
    public static final int ACKNOWLEDGE = 1;
    /** The guest OS knows how to drive the device. */
    public static final int DRIVER = 2;
    /** The driver is set up and ready to drive the device. */
    public static final int DRIVER_OK = 4;
    /** The driver has acknowledged all the features it understands; negotiation is complete. */
    public static final int FEATURES_OK = 8;
    /** The device has experienced an error from which it cannot recover. */
    public static final int DEVICE_NEEDS_RESET = 64;
    /** Something went wrong in the guest; it has given up on the device. */
    public static final int FAILED = 128;

    /** All bits a driver may write. */
    static final int DRIVER_WRITABLE = ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK | FAILED;

    /** A readable form such as {@code "ACKNOWLEDGE|DRIVER|FEATURES_OK"}. */
    public static String describe(int status) {
        if (status == 0) {
            return "RESET";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, status, ACKNOWLEDGE, "ACKNOWLEDGE");
        append(sb, status, DRIVER, "DRIVER");
        append(sb, status, FEATURES_OK, "FEATURES_OK");
        append(sb, status, DRIVER_OK, "DRIVER_OK");
        append(sb, status, DEVICE_NEEDS_RESET, "DEVICE_NEEDS_RESET");
        append(sb, status, FAILED, "FAILED");
        int unknown = status & ~(DRIVER_WRITABLE | DEVICE_NEEDS_RESET);
        if (unknown != 0) {
            sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(unknown));
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, int status, int bit, String name) {
        if ((status & bit) != 0) {
            sb.append(sb.isEmpty() ? "" : "|").append(name);
        }
    }
}
