package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Serves one MULTIPART_REQUEST (section 7.3.5): decodes its body with checked reads and sends the
 * reply, split into as many MULTIPART_REPLY messages (all but the last flagged REPLY_MORE) as its
 * entries need. Requests spread over several messages (REQ_MORE, only TABLE_FEATURES uses them)
 * are refused.
 */
final class MultipartRequest {
    /** The strings DESC answers with; {@code dp_desc} says what the datapath is. */
    static final String MANUFACTURER = "virtio4j";
    static final String HARDWARE = "virtio4j switch-ovs";
    static final String SOFTWARE = "virtio4j OpenFlow 1.3 agent";

    /** A counter not kept: all ones, OpenFlow's "unavailable" (ovs-ofctl prints it as 18446744073709551615). */
    private static final long UNAVAILABLE = -1L;

    private final OfSwitchView view;
    private final Consumer<ByteBuffer> out;

    MultipartRequest(OfSwitchView view, Consumer<ByteBuffer> out) {
        this.view = view;
        this.out = out;
    }

    /** {@code r} is past the message header, at {@code ofp_multipart_request.type}. */
    void serve(long xid, OfReader r) {
        int type = r.u16("multipart type");
        int flags = r.u16("multipart flags");
        r.skip(4, "multipart pad");
        if ((flags & OfProtocol.MPF_MORE) != 0) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_MULTIPART, "multipart requests in several messages are not served");
        }
        List<ByteBuffer> entries = switch (type) {
            case OfProtocol.MP_DESC -> {
                empty(r);
                yield List.of(OfWriter.body().string(MANUFACTURER, 256).string(HARDWARE, 256).string(SOFTWARE, 256)
                        .string("None", 32).string("virtio4j switch, dpid " + String.format("%016x", view.datapathId()), 256)
                        .bytes());
            }
            case OfProtocol.MP_PORT_DESC -> {
                empty(r);
                yield view.ports().stream().map(MultipartRequest::portDesc).toList();
            }
            case OfProtocol.MP_PORT_STATS -> portStats(r);
            case OfProtocol.MP_TABLE -> {
                empty(r);
                yield view.tables().stream().map(t -> OfWriter.body().u8(t.id()).zeros(3).u32(t.activeCount())
                        .u64(t.lookups()).u64(t.matched()).bytes()).toList();
            }
            case OfProtocol.MP_FLOW, OfProtocol.MP_AGGREGATE -> flows(type, r);
            case OfProtocol.MP_TABLE_FEATURES -> tableFeatures(r);
            default -> throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_MULTIPART, "multipart type " + type + " is not served");
        };
        send(type, xid, entries);
    }

    /** {@code struct ofp_port}, 64 bytes. The ports have no Ethernet address of their own: all zero. */
    static ByteBuffer portDesc(OfPortView p) {
        return OfWriter.body().u32(p.number()).zeros(4).zeros(6).zeros(2).string(p.name(), 16)
                .u32(0) // config: nothing administratively down
                .u32(p.live() ? OfProtocol.PS_LIVE : OfProtocol.PS_LINK_DOWN)
                .u32(0).u32(0).u32(0).u32(0) // curr, advertised, supported, peer: a virtual port has no link modes
                .u32(0).u32(0) // curr_speed, max_speed in kbit/s: none to report
                .bytes();
    }

    private List<ByteBuffer> portStats(OfReader r) {
        long wanted = r.u32("port_no");
        r.skip(4, "pad");
        empty(r);
        List<ByteBuffer> entries = new ArrayList<>();
        for (OfPortView p : view.ports()) {
            if (wanted == OfProtocol.PORT_ANY || wanted == p.number()) {
                entries.add(OfWriter.body().u32(p.number()).zeros(4)
                        .u64(p.rxPackets()).u64(p.txPackets()).u64(p.rxBytes()).u64(p.txBytes())
                        .u64(p.rxDropped()).u64(p.txDropped())
                        .u64(0).u64(0).u64(0).u64(0).u64(0).u64(0) // rx/tx errors, frame, overrun, CRC, collisions
                        .u32(0xffffffffL).u32(0xffffffffL) // duration: not tracked (all ones = unavailable)
                        .bytes());
            }
        }
        if (entries.isEmpty() && wanted != OfProtocol.PORT_ANY) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_PORT, "no port " + wanted);
        }
        return entries;
    }

    /**
     * FLOW and AGGREGATE: the request (table, out_port, out_group, cookie under mask, match) is
     * decoded and checked, and selects the flows installed through OpenFlow as a non-strict
     * DELETE would. Packet counts are the data path's; byte counts are not kept per flow and are
     * sent as "unavailable" (all ones).
     */
    private List<ByteBuffer> flows(int type, OfReader r) {
        int table = r.u8("table_id");
        r.skip(3, "pad");
        long outPort = r.u32("out_port");
        long outGroup = r.u32("out_group");
        r.skip(4, "pad");
        long cookie = r.u64("cookie");
        long cookieMask = r.u64("cookie_mask");
        OfMatch match = OfMatch.decode(r);
        empty(r);
        if (table != OfProtocol.TABLE_ALL && table >= Math.max(1, view.tables().size())) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_TABLE_ID, "no table " + table);
        }
        List<OfFlow> selected = view.flows().select(table, outPort, outGroup, cookie, cookieMask, match);
        java.util.Map<Object, Long> packets = view.flows().packets();
        if (type == OfProtocol.MP_AGGREGATE) {
            long total = selected.stream().mapToLong(f -> packets.getOrDefault(f.counterKey(), 0L)).sum();
            return List.of(OfWriter.body().u64(total).u64(UNAVAILABLE).u32(selected.size()).zeros(4).bytes());
        }
        long now = System.nanoTime();
        List<ByteBuffer> out = new ArrayList<>();
        for (OfFlow f : selected) {
            long age = Math.max(0, now - f.installedNanos());
            OfWriter w = OfWriter.body().u16(0).u8(f.table()).zeros(1)
                    .u32(age / 1_000_000_000L).u32(age % 1_000_000_000L)
                    .u16(f.priority()).u16(f.idleTimeout()).u16(f.hardTimeout())
                    .u16(f.flags()).zeros(4)
                    .u64(f.cookie()).u64(packets.getOrDefault(f.counterKey(), 0L)).u64(UNAVAILABLE);
            f.match().encode(w);
            w.bytes(java.nio.ByteBuffer.wrap(f.instructions()));
            w.patch16(0, w.length());
            out.add(w.bytes());
        }
        return out;
    }

    /**
     * TABLE_FEATURES, answered honestly: each OpenFlow table with what FLOW_MOD can install in it:
     * the instructions (goto-table, apply-actions, clear-actions), the later tables goto may name,
     * the apply actions (output, dec_nw_ttl, set_field), the match fields (and which may be
     * masked), the apply set-fields (eth_dst, eth_src); write actions and write set-fields are
     * empty lists, as write-actions is not served. A request with a body asks to change the
     * tables: refused (TABLE_FEATURES_FAILED/EPERM).
     */
    private List<ByteBuffer> tableFeatures(OfReader r) {
        if (r.remaining() != 0) {
            throw new OfDecodeException(OfProtocol.ET_TABLE_FEATURES_FAILED, OfProtocol.TFFC_EPERM,
                    "the tables cannot be changed through OpenFlow");
        }
        List<ByteBuffer> out = new ArrayList<>();
        for (OfTableView t : view.tables()) {
            OfWriter w = OfWriter.body().u16(0).u8(t.id()).zeros(5)
                    .string("table" + t.id(), 32)
                    .u64(0).u64(0) // metadata_match, metadata_write: no metadata
                    .u32(0) // config (deprecated in 1.3)
                    .u32(view.flows().maxFlows());
            TableFeatures.write(w, t.id());
            w.patch16(0, w.length());
            out.add(w.bytes());
        }
        return out;
    }

    private static void empty(OfReader r) {
        if (r.remaining() != 0) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "a multipart body of " + r.remaining()
                    + " bytes where none belongs");
        }
    }

    /** As many replies as the entries need, each under 64 KiB; an empty reply is one message. */
    private void send(int type, long xid, List<ByteBuffer> entries) {
        int i = 0;
        do {
            OfWriter w = OfWriter.start(OfProtocol.MULTIPART_REPLY, xid);
            w.u16(type).u16(0).zeros(4);
            while (i < entries.size() && w.length() + entries.get(i).remaining() <= OfProtocol.MAX_MESSAGE_BYTES) {
                w.bytes(entries.get(i++));
            }
            if (i < entries.size()) {
                w.patch16(OfProtocol.HEADER_BYTES + 2, OfProtocol.MPF_MORE);
            }
            out.accept(w.finish());
        } while (i < entries.size());
    }
}
