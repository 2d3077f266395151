package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.VringHandover;

import java.util.List;

import io.virtio4j.api.memory.GuestMemory;

/**
 * The front-end's side of the vhost-user handshake as QEMU's vhost-user net device runs it: once
 * per connection {@link #negotiate} (features offered, ownership, protocol features, queue count),
 * then per device start {@link #handOver} (features, memory table, each ring, enable) and per stop
 * {@link #takeBack} (GET_VRING_BASE). Stateless: the caller keeps the connection and what it
 * negotiated.
 */
public final class FrontendHandshake {
    /** The protocol features a front-end of ours uses when offered: acknowledged setters, several queue pairs. */
    static final long WANTED_PROTOCOL = ProtocolFeature.mask(ProtocolFeature.REPLY_ACK) | ProtocolFeature.mask(ProtocolFeature.MQ);

    /**
     * What one connection's negotiation established.
     *
     * @param offeredFeatures  the back-end's GET_FEATURES
     * @param protocolFeatures the protocol features set (0 without PROTOCOL_FEATURES)
     * @param queuePairs       the queue pairs it serves (GET_QUEUE_NUM with MQ, else 1)
     */
    public record Negotiated(long offeredFeatures, long protocolFeatures, int queuePairs) {
        /** Whether the back-end offered VHOST_USER_F_PROTOCOL_FEATURES (rings then start disabled). */
        public boolean protocolFeaturesOffered() {
            return (offeredFeatures & ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES) != 0;
        }
    }

    private FrontendHandshake() {
    }

    /** Once per connection: GET_FEATURES, SET_OWNER, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM. */
    public static Negotiated negotiate(VhostUserFrontend fe) {
        long offered = fe.getFeatures();
        fe.setOwner();
        long protocol = 0;
        int pairs = 1;
        if ((offered & ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES) != 0) {
            protocol = fe.getProtocolFeatures() & WANTED_PROTOCOL;
            fe.setProtocolFeatures(protocol);
            if ((protocol & ProtocolFeature.mask(ProtocolFeature.MQ)) != 0) {
                // For net devices the answer counts queue pairs (QEMU's net/vhost-user.c compares it with
                // its pair count; DPDK and our back-end answer pairs). Clamped: at least one pair, at most
                // what a ring index can name.
                pairs = (int) Math.max(1, Math.min(fe.getQueueNum(), 128));
            }
        }
        return new Negotiated(offered, protocol, pairs);
    }

    /**
     * Hands {@code rings} over: SET_FEATURES ({@code features}, plus PROTOCOL_FEATURES when
     * offered), SET_MEM_TABLE of {@code memory} (every region fd-backed), per ring
     * NUM/BASE/ADDR/KICK/CALL, then SET_VRING_ENABLE for each (rings with PROTOCOL_FEATURES start
     * disabled; without it they start on the kick fd).
     *
     * @throws VhostUserException if the back-end refuses a step, lacks a feature or too few queues
     */
    public static void handOver(VhostUserFrontend fe, Negotiated n, long features, GuestMemory memory, List<VringHandover> rings) {
        long missing = features & ~n.offeredFeatures();
        if (missing != 0) {
            throw VhostUserException.rejected("back-end does not offer feature bits 0x" + Long.toHexString(missing));
        }
        for (VringHandover r : rings) {
            if (r.index() >= 2 * n.queuePairs()) {
                throw VhostUserException.rejected("ring " + r.index() + " but the back-end serves " + n.queuePairs() + " queue pair(s)");
            }
        }
        fe.setFeatures(features | (n.offeredFeatures() & ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES));
        fe.setMemTable(memory);
        for (VringHandover r : rings) {
            fe.setVringNum(r.index(), r.layout().size());
            fe.setVringBase(r.index(), r.base());
            fe.setVringAddr(r.index(), r.layout(), memory);
            fe.setVringKick(r.index(), r.kickFd());
            fe.setVringCall(r.index(), r.callFd());
        }
        if (n.protocolFeaturesOffered()) {
            for (VringHandover r : rings) {
                fe.setVringEnable(r.index(), true);
            }
        }
    }

    /** Stops every ring (GET_VRING_BASE) and returns each one's next avail index, in the order given. */
    public static int[] takeBack(VhostUserFrontend fe, List<VringHandover> rings) {
        int[] bases = new int[rings.size()];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = fe.getVringBase(rings.get(i).index());
        }
        return bases;
    }
}
