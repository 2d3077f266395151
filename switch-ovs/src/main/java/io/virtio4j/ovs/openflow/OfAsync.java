package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;

/**
 * One connection's asynchronous-message filter (OpenFlow 1.3, section 7.3.10, ofp_async_config):
 * for PACKET_IN, PORT_STATUS and FLOW_REMOVED, a mask of the reasons sent while the connection is
 * MASTER or EQUAL and one while it is SLAVE (bit {@code 1 << reason}). The defaults are the
 * spec's (6.1.1): a master or equal gets every PACKET_IN, PORT_STATUS and FLOW_REMOVED; a slave
 * only PORT_STATUS. Read by the threads that deliver (the PACKET_IN dispatcher, the timeout
 * sweeper, the port watch), set by the connection's own thread: the masks are one immutable array
 * swapped whole.
 */
final class OfAsync {
    /** ofp_async_config's body: three pairs of u32 masks. */
    static final int BODY_BYTES = 24;
    private static final int PACKET_IN = 0;
    private static final int PORT_STATUS = 2;
    private static final int FLOW_REMOVED = 4;
    private static final int[] DEFAULTS = {
        1 << OfProtocol.PR_NO_MATCH | 1 << OfProtocol.PR_ACTION, 0,
        1 << OfProtocol.PPR_ADD | 1 << OfProtocol.PPR_DELETE | 1 << OfProtocol.PPR_MODIFY,
        1 << OfProtocol.PPR_ADD | 1 << OfProtocol.PPR_DELETE | 1 << OfProtocol.PPR_MODIFY,
        1 << OfProtocol.RR_IDLE_TIMEOUT | 1 << OfProtocol.RR_HARD_TIMEOUT | 1 << OfProtocol.RR_DELETE
                | 1 << 3 /* OFPRR_GROUP_DELETE: no groups here, but the spec's default includes it */, 0,
    };

    /** In ofp_async_config's order: packet_in, port_status, flow_removed; each master/equal then slave. */
    private volatile int[] masks = DEFAULTS;

    /** SET_ASYNC: {@code r} holds exactly the body (any other length is BAD_LEN). */
    void set(OfReader r) {
        if (r.remaining() != BODY_BYTES) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "SET_ASYNC body is " + r.remaining()
                    + " bytes, not " + BODY_BYTES);
        }
        int[] next = new int[6];
        for (int i = 0; i < next.length; i++) {
            // Bits for reasons that do not exist are kept and reported back; they select nothing.
            next[i] = (int) r.u32("async mask");
        }
        masks = next;
    }

    /** GET_ASYNC_REPLY's body. */
    void write(OfWriter w) {
        for (int m : masks) {
            w.u32(m & 0xffffffffL);
        }
    }

    /**
     * Whether {@code message} (a PACKET_IN, PORT_STATUS or FLOW_REMOVED we built, so its reason
     * is where its type puts it) goes to this connection in its role; any other message does.
     */
    boolean admits(ByteBuffer message, boolean slave) {
        int p = message.position();
        int kind;
        int reason;
        switch (message.get(p + 1)) {
            case OfProtocol.PACKET_IN -> { // header, buffer_id, total_len, reason
                kind = PACKET_IN;
                reason = message.get(p + 14) & 0xff;
            }
            case OfProtocol.PORT_STATUS -> { // header, reason
                kind = PORT_STATUS;
                reason = message.get(p + 8) & 0xff;
            }
            case OfProtocol.FLOW_REMOVED -> { // header, cookie, priority, reason
                kind = FLOW_REMOVED;
                reason = message.get(p + 18) & 0xff;
            }
            default -> {
                return true;
            }
        }
        return reason < 32 && (masks[kind + (slave ? 1 : 0)] & 1 << reason) != 0;
    }
}
