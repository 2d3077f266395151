package io.virtio4j.tap;

/**
 * The virtio-net feature bit numbers this backend maps (virtio 1.2, 5.1.3). Defined here because
 * virtio-api's feature package has no constants yet; when it does, this class should delegate to it.
 * Checked against /usr/include/linux/virtio_net.h by a test (USO bits are newer than that header).
 */
public final class VirtioNetFeatureBits {
    private VirtioNetFeatureBits() {
    }

    public static final int CSUM = 0;
    public static final int GUEST_CSUM = 1;
    public static final int GUEST_TSO4 = 7;
    public static final int GUEST_TSO6 = 8;
    public static final int GUEST_ECN = 9;
    public static final int GUEST_UFO = 10;
    public static final int HOST_TSO4 = 11;
    public static final int HOST_TSO6 = 12;
    public static final int HOST_ECN = 13;
    public static final int HOST_UFO = 14;
    public static final int VERSION_1 = 32;
    public static final int GUEST_USO4 = 54;
    public static final int GUEST_USO6 = 55;
    public static final int HOST_USO = 56;

    /** The feature word with {@code bit} set. */
    public static long bit(int bit) {
        return 1L << bit;
    }

    static boolean has(long features, int bit) {
        return (features & bit(bit)) != 0;
    }
}
