package io.virtio4j.vhostuser;

/** vhost-user protocol feature bits (VHOST_USER_PROTOCOL_F_*) and the virtio feature that enables them. */
public final class ProtocolFeature {
    private ProtocolFeature() {
    }

    /** Virtio feature bit 30: the back-end speaks GET/SET_PROTOCOL_FEATURES. */
    public static final long VHOST_USER_F_PROTOCOL_FEATURES = 1L << 30;

    public static final int MQ = 0;
    public static final int LOG_SHMFD = 1;
    public static final int RARP = 2;
    public static final int REPLY_ACK = 3;
    public static final int MTU = 4;
    public static final int CONFIGURE_MEM_SLOTS = 15;
    public static final int STATUS = 16;

    /** The bit mask of feature {@code bit}. */
    public static long mask(int bit) {
        return 1L << bit;
    }

    /**
     * What this back-end offers: only what it implements. LOG_SHMFD: guest writes through
     * GuestMemory and used-ring publishes are logged in the shared bitmap ({@link DirtyBitmap}).
     */
    public static final long IMPLEMENTED = mask(MQ) | mask(LOG_SHMFD) | mask(RARP) | mask(REPLY_ACK) | mask(MTU)
            | mask(CONFIGURE_MEM_SLOTS) | mask(STATUS);
}
