package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Controller roles (6.3.5) and the asynchronous-message masks (7.3.10) over two connections to one
 * switch: ROLE_REQUEST and its generation ids, one master at a time, what a slave is refused, and
 * which PACKET_IN, FLOW_REMOVED and PORT_STATUS each connection gets by its role and masks.
 */
class OfRolesTest {
    private static final long ALL_ONES = -1L;

    private final OfCounters counters = new OfCounters();
    private final FakeSwitchView view = new FakeSwitchView(3, new OfFlowTable.Limits(60_000, 60_000, 100));
    private final OfRoles roles = new OfRoles();
    private final List<ByteBuffer> sentA = new ArrayList<>();
    private final List<ByteBuffer> sentB = new ArrayList<>();
    private final OfSession a = new OfSession(view, roles, counters, sentA::add, "a");
    private final OfSession b = new OfSession(view, roles, counters, sentB::add, "b");

    @AfterEach
    void stopTheSweeper() {
        view.flows().close();
    }

    private void negotiate() {
        for (OfSession s : List.of(a, b)) {
            s.start();
            s.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        }
        sentA.clear();
        sentB.clear();
    }

    private static ByteBuffer roleRequest(long xid, int role, long generation) {
        ByteBuffer m = ByteBuffer.allocate(24);
        m.put((byte) 4).put((byte) OfProtocol.ROLE_REQUEST).putShort((short) 24).putInt((int) xid);
        return m.putInt(role).putInt(0).putLong(generation).flip();
    }

    /** Sends a ROLE_REQUEST on {@code s} and returns its only answer. */
    private static ByteBuffer ask(OfSession s, List<ByteBuffer> sent, int role, long generation) {
        s.receive(roleRequest(77, role, generation));
        assertEquals(1, sent.size(), sent.toString());
        return sent.removeFirst();
    }

    private static void assertReply(ByteBuffer reply, int role, long generation) {
        assertEquals(OfProtocol.ROLE_REPLY, reply.get(1), "ROLE_REPLY");
        assertEquals(24, reply.remaining());
        assertEquals(77, reply.getInt(4), "xid");
        assertEquals(role, reply.getInt(8), "role");
        assertEquals(generation, reply.getLong(16), "generation_id");
    }

    private static void assertError(ByteBuffer error, ByteBuffer request, int type, int code) {
        assertEquals(OfProtocol.ERROR, error.get(1), "ERROR");
        assertEquals(type, error.getShort(8), "type");
        assertEquals(code, error.getShort(10), "code");
        byte[] echoed = new byte[Math.min(64, request.remaining())];
        error.get(12, echoed);
        assertArrayEquals(Arrays.copyOf(toArray(request), echoed.length), echoed, "the request's first bytes");
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void oneMasterAtATimeAndAnOlderGenerationIsStale() {
        negotiate();
        assertReply(ask(a, sentA, OfProtocol.CR_ROLE_NOCHANGE, 5), OfProtocol.CR_ROLE_EQUAL, ALL_ONES);
        assertReply(ask(a, sentA, OfProtocol.CR_ROLE_MASTER, 5), OfProtocol.CR_ROLE_MASTER, 5);
        assertReply(ask(b, sentB, OfProtocol.CR_ROLE_MASTER, 6), OfProtocol.CR_ROLE_MASTER, 6);
        assertEquals(OfProtocol.CR_ROLE_SLAVE, a.role(), "the old master becomes a slave");
        assertReply(ask(a, sentA, OfProtocol.CR_ROLE_NOCHANGE, 0), OfProtocol.CR_ROLE_SLAVE, 6);

        ByteBuffer stale = roleRequest(78, OfProtocol.CR_ROLE_MASTER, 4);
        a.receive(stale);
        assertError(sentA.removeFirst(), stale, OfProtocol.ET_ROLE_REQUEST_FAILED, OfProtocol.RRFC_STALE);
        assertEquals(OfProtocol.CR_ROLE_SLAVE, a.role(), "a stale request changes nothing");
        assertEquals(OfProtocol.CR_ROLE_MASTER, b.role());

        // Serial-number comparison: an id past the top of the range wraps and is newer.
        assertReply(ask(a, sentA, OfProtocol.CR_ROLE_SLAVE, Long.MAX_VALUE), OfProtocol.CR_ROLE_SLAVE, Long.MAX_VALUE);
        assertReply(ask(a, sentA, OfProtocol.CR_ROLE_MASTER, Long.MIN_VALUE), OfProtocol.CR_ROLE_MASTER, Long.MIN_VALUE);
        assertEquals(OfProtocol.CR_ROLE_SLAVE, b.role());
        // EQUAL does not look at the generation id, and leaves the other roles alone.
        assertReply(ask(b, sentB, OfProtocol.CR_ROLE_EQUAL, 1), OfProtocol.CR_ROLE_EQUAL, Long.MIN_VALUE);
        assertEquals(OfProtocol.CR_ROLE_MASTER, a.role());

        ByteBuffer bad = roleRequest(79, 4, 9);
        b.receive(bad);
        assertError(sentB.removeFirst(), bad, OfProtocol.ET_ROLE_REQUEST_FAILED, OfProtocol.RRFC_BAD_ROLE);
        ByteBuffer shortOne = OfSessionTest.message(4, OfProtocol.ROLE_REQUEST, 80, 0, 0, 0, 2);
        b.receive(shortOne);
        assertError(sentB.removeFirst(), shortOne, OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        assertEquals(OfProtocol.CR_ROLE_EQUAL, b.role());
        assertEquals(2, counters.refusedByRole(), "STALE and BAD_ROLE");
        assertEquals(1, counters.malformed(), "the short one");
    }

    @Test
    void aMasterThatLeavesFreesTheRoleWithoutAPromotion() {
        negotiate();
        ask(a, sentA, OfProtocol.CR_ROLE_MASTER, 1);
        a.end();
        assertReply(ask(b, sentB, OfProtocol.CR_ROLE_NOCHANGE, 0), OfProtocol.CR_ROLE_EQUAL, 1);
        assertReply(ask(b, sentB, OfProtocol.CR_ROLE_MASTER, 1), OfProtocol.CR_ROLE_MASTER, 1);
    }

    @Test
    void aSlaveIsRefusedEveryChangeButStillReads() {
        negotiate();
        ask(a, sentA, OfProtocol.CR_ROLE_SLAVE, 1);
        byte[] frame = OfPacketOutTest.frame(60);
        List<ByteBuffer> changes = List.of(
                FlowModBytes.of(OfProtocol.FC_ADD).priority(5).apply(output(2)).build(2),
                FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(3),
                OfPacketOutTest.packetOut(1, frame, output(2)),
                OfSessionTest.message(4, OfProtocol.GROUP_MOD, 4, new int[8]),
                OfSessionTest.message(4, OfProtocol.PORT_MOD, 5, new int[32]),
                OfSessionTest.message(4, OfProtocol.TABLE_MOD, 6, new int[8]),
                OfSessionTest.message(4, OfProtocol.METER_MOD, 7, new int[8]),
                // TABLE_FEATURES with a body would change the tables.
                OfSessionTest.message(4, OfProtocol.MULTIPART_REQUEST, 8, 0, OfProtocol.MP_TABLE_FEATURES, 0, 0, 0, 0, 0, 0,
                        0, 64, 0, 0, 0, 0, 0, 0));
        for (ByteBuffer m : changes) {
            a.receive(m);
            assertEquals(1, sentA.size(), "one answer to type " + m.get(1));
            assertError(sentA.removeFirst(), m, OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_IS_SLAVE);
        }
        assertEquals(changes.size(), counters.refusedByRole());
        assertTrue(view.injected.isEmpty(), "nothing sent");
        assertEquals(1, view.flows().snapshot().rules().size(), "the NORMAL flow only: nothing added or deleted");

        // Reading is not changing: FEATURES, TABLE_FEATURES without a body, BARRIER.
        a.receive(OfSessionTest.message(4, OfProtocol.FEATURES_REQUEST, 9));
        a.receive(OfSessionTest.message(4, OfProtocol.MULTIPART_REQUEST, 10, 0, OfProtocol.MP_TABLE_FEATURES, 0, 0, 0, 0, 0, 0));
        a.receive(OfSessionTest.message(4, OfProtocol.BARRIER_REQUEST, 11));
        assertEquals(List.of((int) OfProtocol.FEATURES_REPLY, OfProtocol.MULTIPART_REPLY, OfProtocol.BARRIER_REPLY),
                sentA.stream().map(m -> (int) m.get(1)).toList());
        sentA.clear();

        // The other connection, EQUAL, may; and so may the slave once it is EQUAL again.
        b.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(5).apply(output(2)).build(12));
        ask(a, sentA, OfProtocol.CR_ROLE_EQUAL, 0);
        a.receive(OfPacketOutTest.packetOut(1, frame, output(3)));
        assertTrue(sentA.isEmpty() && sentB.isEmpty(), sentA + " " + sentB);
        assertEquals(2, view.flows().snapshot().rules().size());
        assertEquals(1, view.injected.size());
    }

    /** A PACKET_IN as the dispatcher hands it over, with {@code reason}. */
    private static ByteBuffer packetIn(int reason) {
        return OfWriter.start(OfProtocol.PACKET_IN, 0).u32(OfProtocol.NO_BUFFER).u16(60).u8(reason).u8(0).u64(0)
                .u16(OfProtocol.MATCH_TYPE_OXM).u16(4).zeros(4).zeros(2).finish();
    }

    private static List<Integer> kinds(List<ByteBuffer> sent) {
        List<Integer> out = sent.stream().map(m -> m.get(1) << 8 | m.get(m.get(1) == OfProtocol.PORT_STATUS ? 8
                : m.get(1) == OfProtocol.PACKET_IN ? 14 : 18)).toList();
        sent.clear();
        return out;
    }

    private static int of(int type, int reason) {
        return type << 8 | reason;
    }

    private void everyAsyncKind() {
        view.flows().broadcast(packetIn(OfProtocol.PR_NO_MATCH));
        view.flows().broadcast(packetIn(OfProtocol.PR_ACTION));
        view.flows().broadcast(OfPortWatch.message(OfProtocol.PPR_ADD, view.ports().getFirst()));
        b.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(9).flags(OfProtocol.FF_SEND_FLOW_REM).apply().build(20));
        b.receive(FlowModBytes.of(OfProtocol.FC_DELETE_STRICT).priority(9).build(21)); // FLOW_REMOVED, reason DELETE
    }

    @Test
    void slavesGetOnlyPortStatusByDefaultAndSetAsyncChangesWhatEachRoleGets() {
        negotiate();
        a.receive(OfSessionTest.message(4, OfProtocol.GET_ASYNC_REQUEST, 30));
        ByteBuffer defaults = sentA.removeFirst();
        assertEquals(OfProtocol.GET_ASYNC_REPLY, defaults.get(1));
        assertEquals(8 + 24, defaults.remaining());
        assertEquals(List.of(0b11, 0, 0b111, 0b111, 0b1111, 0),
                List.of(defaults.getInt(8), defaults.getInt(12), defaults.getInt(16), defaults.getInt(20), defaults.getInt(24),
                        defaults.getInt(28)), "the spec's defaults: master/equal and slave for PACKET_IN, PORT_STATUS, FLOW_REMOVED");

        ask(a, sentA, OfProtocol.CR_ROLE_SLAVE, 1);
        everyAsyncKind();
        List<Integer> all = List.of(of(OfProtocol.PACKET_IN, OfProtocol.PR_NO_MATCH), of(OfProtocol.PACKET_IN, OfProtocol.PR_ACTION),
                of(OfProtocol.PORT_STATUS, OfProtocol.PPR_ADD), of(OfProtocol.FLOW_REMOVED, OfProtocol.RR_DELETE));
        assertEquals(all, kinds(sentB), "EQUAL: everything");
        assertEquals(List.of(of(OfProtocol.PORT_STATUS, OfProtocol.PPR_ADD)), kinds(sentA), "SLAVE: PORT_STATUS only");

        // The slave asks for PACKET_IN with reason ACTION and FLOW_REMOVED; no PORT_STATUS for it as a slave.
        // The other, a master now, takes NO_MATCH only and no FLOW_REMOVED.
        a.receive(setAsync(40, 0b11, 1 << OfProtocol.PR_ACTION, 0b111, 0, 0b1111, 1 << OfProtocol.RR_DELETE));
        b.receive(setAsync(41, 1 << OfProtocol.PR_NO_MATCH, 0, 0b111, 0b111, 0, 0));
        ask(b, sentB, OfProtocol.CR_ROLE_MASTER, 2);
        assertTrue(sentA.isEmpty(), "SET_ASYNC has no answer: " + sentA);
        everyAsyncKind();
        assertEquals(List.of(of(OfProtocol.PACKET_IN, OfProtocol.PR_ACTION), of(OfProtocol.FLOW_REMOVED, OfProtocol.RR_DELETE)),
                kinds(sentA));
        assertEquals(List.of(of(OfProtocol.PACKET_IN, OfProtocol.PR_NO_MATCH), of(OfProtocol.PORT_STATUS, OfProtocol.PPR_ADD)),
                kinds(sentB));

        a.receive(OfSessionTest.message(4, OfProtocol.GET_ASYNC_REQUEST, 42));
        assertEquals(1 << OfProtocol.PR_ACTION, sentA.getFirst().getInt(12), "as set");
        sentA.clear();
        ByteBuffer bad = OfSessionTest.message(4, OfProtocol.SET_ASYNC, 43, new int[20]);
        a.receive(bad);
        assertError(sentA.removeFirst(), bad, OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        ByteBuffer withBody = OfSessionTest.message(4, OfProtocol.GET_ASYNC_REQUEST, 44, 0, 0, 0, 0);
        a.receive(withBody);
        assertError(sentA.removeFirst(), withBody, OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
    }

    private static ByteBuffer setAsync(long xid, int... masks) {
        ByteBuffer m = ByteBuffer.allocate(8 + 24);
        m.put((byte) 4).put((byte) OfProtocol.SET_ASYNC).putShort((short) 32).putInt((int) xid);
        for (int x : masks) {
            m.putInt(x);
        }
        return m.flip();
    }
}
