package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.transport.ReceivedFds;

/**
 * The front-end requests this back-end understands, as a table: each row says how big the payload
 * may be, how many fds must come with it, whether the back-end always answers it, and whether the
 * ring it names must be stopped. The session validates every message against its row before any
 * handler looks at the payload (DPDK's vhost_message_handlers table does the same job).
 */
public enum Request {
    /** 1: the back-end's virtio features. */
    GET_FEATURES(1, 0, 0, 0, 0, true, false),
    /** 2: the negotiated virtio features. */
    SET_FEATURES(2, 8, 8, 0, 0, false, false),
    /** 3: the sender owns the session. */
    SET_OWNER(3, 0, 0, 0, 0, false, false),
    /** 4: the session stops its rings and forgets its owner and features. */
    RESET_OWNER(4, 0, 0, 0, 0, false, false),
    /** Payload is 8 + 32 * nregions; the exact rule is checked by the memory-table parser. */
    SET_MEM_TABLE(5, Message.MEM_REGIONS + Message.REGION_SIZE, Message.MEM_REGIONS + Message.REGION_SIZE * ReceivedFds.MAX,
            1, ReceivedFds.MAX, false, false),
    /** 6: the dirty log's shared memory (LOG_SHMFD). */
    SET_LOG_BASE(6, Message.LOG_SIZE, Message.LOG_SIZE, 1, 1, true, false),
    /** 7: an eventfd to signal when the log was written (accepted; its fd is closed unused). */
    SET_LOG_FD(7, 0, 0, 1, 1, false, false),
    /** 8: a ring's size. */
    SET_VRING_NUM(8, Message.VRING_STATE_SIZE, Message.VRING_STATE_SIZE, 0, 0, false, true),
    /** 9: a ring's three addresses in the front-end's address space. */
    SET_VRING_ADDR(9, Message.VRING_ADDR_SIZE, Message.VRING_ADDR_SIZE, 0, 0, false, true),
    /** 10: the avail index a ring starts at. */
    SET_VRING_BASE(10, Message.VRING_STATE_SIZE, Message.VRING_STATE_SIZE, 0, 0, false, true),
    /** 11: stops a ring and answers where it stopped. */
    GET_VRING_BASE(11, Message.VRING_STATE_SIZE, Message.VRING_STATE_SIZE, 0, 0, true, false),
    /** The fd is absent exactly when bit 8 (VHOST_USER_VRING_NOFD_MASK) of the u64 is set. */
    SET_VRING_KICK(12, 8, 8, 0, 1, false, false),
    /** 13: the eventfd the back-end signals for a ring (absent: no interrupts). */
    SET_VRING_CALL(13, 8, 8, 0, 1, false, false),
    /** 14: the eventfd the back-end signals when a ring breaks. */
    SET_VRING_ERR(14, 8, 8, 0, 1, false, false),
    /** 15: the back-end's protocol features. */
    GET_PROTOCOL_FEATURES(15, 0, 0, 0, 0, true, false),
    /** 16: the protocol features the front-end uses. */
    SET_PROTOCOL_FEATURES(16, 8, 8, 0, 0, false, false),
    /** 17: how many queue pairs the back-end serves (MQ). */
    GET_QUEUE_NUM(17, 0, 0, 0, 0, true, false),
    /** 18: enables or disables a ring. */
    SET_VRING_ENABLE(18, Message.VRING_STATE_SIZE, Message.VRING_STATE_SIZE, 0, 0, false, false),
    /** 19: announce the guest's MAC (after migration). */
    SEND_RARP(19, 8, 8, 0, 0, false, false),
    /** 20: the MTU the guest uses. */
    NET_SET_MTU(20, 8, 8, 0, 0, false, false),
    /** 36: how many regions ADD_MEM_REG may add. */
    GET_MAX_MEM_SLOTS(36, 0, 0, 0, 0, true, false),
    /** 37: one more guest memory region, with its fd. */
    ADD_MEM_REG(37, Message.SINGLE_REGION_SIZE, Message.SINGLE_REGION_SIZE, 1, 1, false, false),
    /** Some front-ends attach the region's fd; it is accepted and closed. */
    REM_MEM_REG(38, Message.SINGLE_REGION_SIZE, Message.SINGLE_REGION_SIZE, 0, 1, false, false),
    /** 39: the device status the driver wrote. */
    SET_STATUS(39, 8, 8, 0, 0, false, false),
    /** 40: the device status. */
    GET_STATUS(40, 0, 0, 0, 0, true, false);

    private static final int MAX_ID = 64;
    private static final Request[] BY_ID = new Request[MAX_ID];

    static {
        for (Request r : values()) {
            BY_ID[r.id] = r;
        }
    }

    private final int id;
    private final int minPayload;
    private final int maxPayload;
    private final int minFds;
    private final int maxFds;
    private final boolean alwaysReplies;
    private final boolean needsStoppedRing;

    Request(int id, int minPayload, int maxPayload, int minFds, int maxFds, boolean alwaysReplies,
            boolean needsStoppedRing) {
        this.id = id;
        this.minPayload = minPayload;
        this.maxPayload = maxPayload;
        this.minFds = minFds;
        this.maxFds = maxFds;
        this.alwaysReplies = alwaysReplies;
        this.needsStoppedRing = needsStoppedRing;
    }

    /** The request with wire id {@code id}, or null when it is unknown or not implemented. */
    public static Request byId(int id) {
        return id >= 0 && id < MAX_ID ? BY_ID[id] : null;
    }

    /** The request's id on the wire. */
    public int id() {
        return id;
    }

    /** Whether a reply with a payload is always sent (regardless of REPLY_ACK). */
    public boolean alwaysReplies() {
        return alwaysReplies;
    }

    /** Whether the ring named in the payload must not be running. */
    public boolean needsStoppedRing() {
        return needsStoppedRing;
    }

    /**
     * Checks a received message against this row: payload size and fd count.
     *
     * @throws VhostUserException (not fatal: the message was read whole) when either is wrong
     */
    public void validate(long payloadSize, int fdCount) {
        if (payloadSize < minPayload || payloadSize > maxPayload) {
            throw VhostUserException.rejected(this + ": payload of " + payloadSize + " bytes, expected "
                    + (minPayload == maxPayload ? String.valueOf(minPayload) : minPayload + ".." + maxPayload));
        }
        if (fdCount < minFds || fdCount > maxFds) {
            throw VhostUserException.rejected(this + ": " + fdCount + " fds, expected "
                    + (minFds == maxFds ? String.valueOf(minFds) : minFds + ".." + maxFds));
        }
    }
}
