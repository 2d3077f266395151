package io.virtio4j.ovs.openflow;

import io.virtio4j.api.log.RateLimitedLog;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OpenFlow connection's protocol state and its answers, without the socket: it is handed
 * whole messages (framed by {@link OfFramer}) and hands its replies to a sink, so tests and the
 * fuzz target drive it directly. The peer is hostile: every message is decoded with checked
 * reads; one that cannot be served gets an ERROR carrying its first 64 bytes and the connection
 * goes on; only a failed version negotiation ends it (section 6.3.1: no common version).
 */
final class OfSession {
    private static final Logger LOG = LoggerFactory.getLogger(OfSession.class);
    private static final RateLimitedLog REFUSED = new RateLimitedLog(LOG, 1_000_000_000L);

    /** {@code OFPCML_NO_BUFFER}-free default: 128 bytes of a frame to the controller (ofp_switch_config). */
    static final int DEFAULT_MISS_SEND_LEN = 128;

    private final OfSwitchView view;
    private final OfCounters counters;
    private final Consumer<ByteBuffer> out;
    private final String peer;
    private volatile boolean negotiated;
    private volatile boolean closed;
    private int configFlags;
    private int missSendLength = DEFAULT_MISS_SEND_LEN;
    /**
     * How PACKET_IN, FLOW_REMOVED and PORT_STATUS reach this connection, filtered by its role and
     * its SET_ASYNC masks (one object, so it can be unregistered).
     */
    private final Consumer<ByteBuffer> removals = this::deliver;
    private final OfRoles roles;
    private final OfRoles.Member role = new OfRoles.Member();
    private final OfAsync async = new OfAsync();

    /** A connection of its own: no other connection's role bears on it (tests, the fuzz target). */
    OfSession(OfSwitchView view, OfCounters counters, Consumer<ByteBuffer> out, String peer) {
        this(view, new OfRoles(), counters, out, peer);
    }

    /** One of the switch's connections, whose roles are {@code roles}. */
    OfSession(OfSwitchView view, OfRoles roles, OfCounters counters, Consumer<ByteBuffer> out, String peer) {
        this.view = view;
        this.roles = roles;
        this.counters = counters;
        this.out = out;
        this.peer = peer;
    }

    /** Sends our HELLO: version 1.3, with a version bitmap naming only 1.3. */
    void start() {
        OfWriter w = OfWriter.start(OfProtocol.HELLO, 0);
        w.u16(OfProtocol.HELLO_ELEM_VERSIONBITMAP).u16(8).u32(1L << OfProtocol.VERSION);
        send(w.finish());
    }

    /** Asks a quiet peer whether it is still there (the agent's watchdog; its reply is a message heard). */
    void probe() {
        send(OfWriter.start(OfProtocol.ECHO_REQUEST, 0).finish());
    }

    /** Whether the session has ended the connection (the caller closes the socket). */
    boolean closed() {
        return closed;
    }

    /** The version was agreed: messages other than HELLO are served. */
    boolean negotiated() {
        return negotiated;
    }

    /**
     * Serves one message: {@code message} holds exactly its bytes, header first, and its length
     * field equals its size (the framer checked that).
     */
    void receive(ByteBuffer message) {
        if (closed) {
            return;
        }
        counters.messagesIn.incrementAndGet();
        int version = message.get(message.position()) & 0xff;
        int type = message.get(message.position() + 1) & 0xff;
        long xid = message.getInt(message.position() + 4) & 0xffffffffL;
        try {
            if (!negotiated) {
                try {
                    hello(message, version, type, xid);
                } catch (OfDecodeException e) {
                    // A HELLO we cannot read agrees on nothing: the same end as no common version.
                    fail(message, xid, e.getMessage());
                }
                return;
            }
            if (version != OfProtocol.VERSION) {
                throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_VERSION, "version " + version + " after agreeing on 1.3");
            }
            OfReader r = OfReader.of(message);
            r.skip(OfProtocol.HEADER_BYTES, "header");
            if (role.slave() && changesTheSwitch(type, message)) {
                throw OfDecodeException.badRequest(OfProtocol.BRC_IS_SLAVE, "a slave controller cannot send message type " + type);
            }
            serve(type, xid, r);
        } catch (OfDecodeException e) {
            refuse(message, e);
        }
    }

    /**
     * A header whose length is below 8: the stream cannot be cut any further. BAD_LEN with the
     * header, and the end of the connection.
     */
    void unframeable(ByteBuffer header, int length) {
        counters.messagesIn.incrementAndGet();
        counters.closedByProtocol.incrementAndGet();
        refuse(header, OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "message length " + length
                + " is shorter than its header; the stream cannot be followed"));
        closed = true;
    }

    private void hello(ByteBuffer message, int version, int type, long xid) {
        if (type != OfProtocol.HELLO) {
            fail(message, xid, "the first message is type " + type + ", not HELLO");
            return;
        }
        OfReader r = OfReader.of(message);
        r.skip(OfProtocol.HEADER_BYTES, "header");
        boolean sawBitmap = false;
        boolean offers13 = version >= OfProtocol.VERSION;
        while (r.remaining() >= 4) {
            int elemType = r.u16("hello element type");
            int elemLength = r.u16("hello element length");
            if (elemLength < 4) {
                fail(message, xid, "hello element length " + elemLength + " < 4");
                return;
            }
            OfReader elem = r.sub(elemLength - 4, "hello element", OfProtocol.ET_HELLO_FAILED, OfProtocol.HFC_INCOMPATIBLE);
            r.skip(Math.min(r.remaining(), (elemLength + 7) / 8 * 8 - elemLength), "hello element padding");
            if (elemType == OfProtocol.HELLO_ELEM_VERSIONBITMAP && elem.remaining() >= 4) {
                long first = elem.u32("version bitmap");
                // Only the first 32 versions can be 1.3's bit; later words are for versions 32 and up.
                offers13 = sawBitmap ? offers13 : (first & (1L << OfProtocol.VERSION)) != 0;
                sawBitmap = true;
            }
        }
        if (!offers13) {
            fail(message, xid, "the peer offers no OpenFlow 1.3 (header version " + version + ")");
            return;
        }
        negotiated = true;
        roles.join(role);
        view.flows().listen(removals);
    }

    /** The connection ended: it hears of no more removed flows, and holds no role. */
    void end() {
        closed = true;
        view.flows().unlisten(removals);
        roles.leave(role);
    }

    /** This connection's role now ({@code ofp_controller_role}). */
    int role() {
        return role.role();
    }

    /** An asynchronous message for every connection: sent if this one's role and masks ask for it. */
    private void deliver(ByteBuffer message) {
        if (async.admits(message, role.slave())) {
            send(message);
        }
    }

    /** Version negotiation failed: HELLO_FAILED/INCOMPATIBLE with a text, and the end (6.3.1). */
    private void fail(ByteBuffer message, long xid, String why) {
        OfWriter w = OfWriter.start(OfProtocol.ERROR, xid);
        w.u16(OfProtocol.ET_HELLO_FAILED).u16(OfProtocol.HFC_INCOMPATIBLE);
        w.bytes(java.nio.ByteBuffer.wrap(("virtio4j speaks OpenFlow 1.3 only: " + why).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        counters.errorsSent.incrementAndGet();
        counters.closedByProtocol.incrementAndGet();
        REFUSED.warn("openflow {}: closing: {}", peer, why);
        send(w.finish());
        closed = true;
    }

    private void serve(int type, long xid, OfReader r) {
        switch (type) {
            case OfProtocol.HELLO, OfProtocol.ECHO_REPLY -> r.rest(); // a late HELLO, an answer to nothing we asked: nothing to do
            case OfProtocol.ERROR -> {
                int errType = r.u16("error type");
                int errCode = r.u16("error code");
                REFUSED.warn("openflow {}: the peer sent ERROR {}", peer, "type " + errType + " code " + errCode);
            }
            case OfProtocol.ECHO_REQUEST -> send(OfWriter.start(OfProtocol.ECHO_REPLY, xid).bytes(r.rest()).finish());
            case OfProtocol.FEATURES_REQUEST -> {
                empty(r);
                send(OfWriter.start(OfProtocol.FEATURES_REPLY, xid)
                        .u64(view.datapathId())
                        .u32(0) // n_buffers: frames are never buffered; PACKET_IN carries them whole (NO_BUFFER)
                        .u8(Math.max(1, view.tables().size()))
                        .u8(0) // auxiliary_id: the main connection
                        .zeros(2)
                        .u32(OfProtocol.CAP_FLOW_STATS | OfProtocol.CAP_TABLE_STATS | OfProtocol.CAP_PORT_STATS)
                        .u32(0)
                        .finish());
            }
            case OfProtocol.GET_CONFIG_REQUEST -> {
                empty(r);
                send(OfWriter.start(OfProtocol.GET_CONFIG_REPLY, xid).u16(configFlags).u16(missSendLength).finish());
            }
            case OfProtocol.SET_CONFIG -> {
                if (r.remaining() != 4) {
                    throw new OfDecodeException(OfProtocol.ET_SWITCH_CONFIG_FAILED, OfProtocol.SCFC_BAD_LEN,
                            "SET_CONFIG body is " + r.remaining() + " bytes, not 4");
                }
                int flags = r.u16("flags");
                int miss = r.u16("miss_send_len");
                if ((flags & ~3) != 0) {
                    throw new OfDecodeException(OfProtocol.ET_SWITCH_CONFIG_FAILED, 0, "unknown config flags " + flags);
                }
                configFlags = flags;
                missSendLength = miss;
            }
            case OfProtocol.BARRIER_REQUEST -> {
                empty(r);
                // Every earlier message was served before this one was read; flows they changed
                // reach the data path now, so after the reply frames meet them.
                view.flows().flush();
                send(OfWriter.start(OfProtocol.BARRIER_REPLY, xid).finish());
            }
            case OfProtocol.FLOW_MOD -> {
                view.flows().apply(OfFlowMod.decode(r));
                counters.flowMods.incrementAndGet();
            }
            case OfProtocol.PACKET_OUT -> packetOut(OfPacketOut.decode(r, view, () -> view.flows().snapshot().onlyNormal()));
            case OfProtocol.GROUP_MOD -> throw new OfDecodeException(OfProtocol.ET_GROUP_MOD_FAILED,
                    OfProtocol.GMFC_INVALID_GROUP, "groups are not supported");
            case OfProtocol.METER_MOD -> throw new OfDecodeException(OfProtocol.ET_METER_MOD_FAILED,
                    OfProtocol.MMFC_INVALID_METER, "meters are not supported");
            case OfProtocol.MULTIPART_REQUEST -> new MultipartRequest(view, this::send).serve(xid, r);
            case OfProtocol.ROLE_REQUEST -> {
                int asked = (int) r.u32("role");
                r.skip(4, "pad");
                long generation = r.u64("generation_id");
                empty(r);
                int now = roles.request(role, asked, generation);
                send(OfWriter.start(OfProtocol.ROLE_REPLY, xid).u32(now).zeros(4).u64(roles.generation()).finish());
            }
            case OfProtocol.GET_ASYNC_REQUEST -> {
                empty(r);
                OfWriter w = OfWriter.start(OfProtocol.GET_ASYNC_REPLY, xid);
                async.write(w);
                send(w.finish());
            }
            case OfProtocol.SET_ASYNC -> async.set(r);
            case OfProtocol.EXPERIMENTER -> throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_EXPERIMENTER,
                    "no experimenter extensions");
            default -> throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_TYPE, "message type " + type + " is not served");
        }
    }

    /**
     * Queues an accepted PACKET_OUT's copies at their ports (the PMDs send or switch them at their
     * next burst). A copy for a port that is down, whose ring is full, or (FLOOD, ALL) whose MTU
     * is too small is dropped and counted: a controller is not told, as OVS does not tell it.
     */
    private void packetOut(OfPacketOut packet) {
        java.util.Set<Long> live = new java.util.HashSet<>();
        for (OfPortView p : view.ports()) {
            if (p.live()) {
                live.add(p.number());
            }
        }
        for (OfPacketOut.Delivery d : packet.deliveries()) {
            boolean fits = d.kind() == io.virtio4j.ovs.datapath.InjectionRing.RECEIVE
                    || !OfPacketOut.tooLong(packet.frame(), view.mtu(d.port()));
            if (!(live.contains(d.port()) && fits && view.inject(d.port(), d.kind(), packet.frame()))) {
                counters.packetOutDropped.incrementAndGet();
            }
        }
        counters.packetOuts.incrementAndGet();
    }

    /**
     * What a slave may not send (6.3.5): the messages that change the switch's state, and a
     * TABLE_FEATURES request with a body (which would change the tables). Checked before the
     * message is decoded, as OVS does: a slave learns its role, not its message's faults.
     */
    private static boolean changesTheSwitch(int type, ByteBuffer message) {
        return switch (type) {
            case OfProtocol.PACKET_OUT, OfProtocol.FLOW_MOD, OfProtocol.GROUP_MOD, OfProtocol.PORT_MOD,
                 OfProtocol.TABLE_MOD, OfProtocol.METER_MOD -> true;
            case OfProtocol.MULTIPART_REQUEST -> message.remaining() > OfProtocol.HEADER_BYTES + 8
                    && (message.getShort(message.position() + OfProtocol.HEADER_BYTES) & 0xffff) == OfProtocol.MP_TABLE_FEATURES;
            default -> false;
        };
    }

    private static void empty(OfReader r) {
        if (r.remaining() != 0) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "a body of " + r.remaining() + " bytes where none belongs");
        }
    }

    /** ERROR with the offending message's first 64 bytes (section 7.4.4); the connection goes on. */
    private void refuse(ByteBuffer message, OfDecodeException e) {
        (byRole(e) ? counters.refusedByRole : unsupported(e) ? counters.unsupported : counters.malformed).incrementAndGet();
        REFUSED.warn("openflow {}: refused a message: {}", peer, e.getMessage());
        long xid = message.getInt(message.position() + 4) & 0xffffffffL;
        ByteBuffer data = message.slice(message.position(), Math.min(message.remaining(), OfProtocol.ERROR_DATA_BYTES));
        counters.errorsSent.incrementAndGet();
        send(OfWriter.start(OfProtocol.ERROR, xid).u16(e.type()).u16(e.code()).bytes(data).finish());
    }

    /** Refused for the connection's role: a slave's change, a stale or unknown role request. */
    private static boolean byRole(OfDecodeException e) {
        return e.type() == OfProtocol.ET_BAD_REQUEST && e.code() == OfProtocol.BRC_IS_SLAVE
                || e.type() == OfProtocol.ET_ROLE_REQUEST_FAILED;
    }

    /** A well-formed request for something not served (a type, a multipart kind, a change of the tables). */
    private static boolean unsupported(OfDecodeException e) {
        return e.type() == OfProtocol.ET_BAD_REQUEST && (e.code() == OfProtocol.BRC_BAD_TYPE
                || e.code() == OfProtocol.BRC_BAD_EXPERIMENTER || e.code() == OfProtocol.BRC_BAD_MULTIPART)
                || e.type() == OfProtocol.ET_TABLE_FEATURES_FAILED && e.code() == OfProtocol.TFFC_EPERM
                || e.type() == OfProtocol.ET_GROUP_MOD_FAILED || e.type() == OfProtocol.ET_METER_MOD_FAILED
                // A well-formed flow asking for a match, an instruction, an action or a flag not served:
                || e.type() == OfProtocol.ET_BAD_MATCH && e.code() == OfProtocol.BMC_BAD_FIELD
                || e.type() == OfProtocol.ET_BAD_INSTRUCTION && e.code() == OfProtocol.BIC_UNSUP_INST
                || e.type() == OfProtocol.ET_BAD_ACTION && (e.code() == OfProtocol.BAC_BAD_TYPE
                        || e.code() == OfProtocol.BAC_BAD_SET_TYPE || e.code() == OfProtocol.BAC_BAD_OUT_PORT)
                || e.type() == OfProtocol.ET_FLOW_MOD_FAILED && e.code() == OfProtocol.FMFC_BAD_FLAGS;
    }

    private void send(ByteBuffer message) {
        counters.messagesOut.incrementAndGet();
        out.accept(message);
    }
}
