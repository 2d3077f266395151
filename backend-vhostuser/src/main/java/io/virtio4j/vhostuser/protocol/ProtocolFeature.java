package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.memory.DirtyBitmap;

/** vhost-user protocol feature bits (VHOST_USER_PROTOCOL_F_*) and the virtio feature that enables them. */
public final class ProtocolFeature {
    private ProtocolFeature() {
    }

    /** Virtio feature bit 30: the back-end speaks GET/SET_PROTOCOL_FEATURES. */
    public static final long VHOST_USER_F_PROTOCOL_FEATURES = 1L << 30;

    /** {@code VHOST_USER_PROTOCOL_F_MQ}: GET_QUEUE_NUM, more than one queue pair. */
    public static final int MQ = 0;
    /** {@code VHOST_USER_PROTOCOL_F_LOG_SHMFD}: the dirty log in shared memory. */
    public static final int LOG_SHMFD = 1;
    /** {@code VHOST_USER_PROTOCOL_F_RARP}: SEND_RARP. */
    public static final int RARP = 2;
    /** {@code VHOST_USER_PROTOCOL_F_REPLY_ACK}: a reply to every request that sets NEED_REPLY. */
    public static final int REPLY_ACK = 3;
    /** {@code VHOST_USER_PROTOCOL_F_NET_MTU}: NET_SET_MTU. */
    public static final int MTU = 4;
    /** {@code VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS}: GET_MAX_MEM_SLOTS, ADD_MEM_REG, REM_MEM_REG. */
    public static final int CONFIGURE_MEM_SLOTS = 15;
    /** {@code VHOST_USER_PROTOCOL_F_STATUS}: SET_STATUS, GET_STATUS. */
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
