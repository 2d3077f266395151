package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** One connection's protocol without a socket: negotiation, answers, and refusals with counters. */
class OfSessionTest {
    private final OfCounters counters = new OfCounters();
    private final List<ByteBuffer> sent = new ArrayList<>();
    private final OfSession session = new OfSession(new FakeSwitchView(3), counters, sent::add, "test");
    private final OfFramer framer = new OfFramer(session);

    static ByteBuffer message(int version, int type, long xid, int... body) {
        ByteBuffer b = ByteBuffer.allocate(8 + body.length);
        b.put((byte) version).put((byte) type).putShort((short) (8 + body.length)).putInt((int) xid);
        for (int x : body) {
            b.put((byte) x);
        }
        return b.flip();
    }

    private void feed(ByteBuffer... messages) {
        for (ByteBuffer m : messages) {
            framer.feed(m, 3); // split across reads on purpose
        }
    }

    private void negotiate() {
        session.start();
        feed(message(4, OfProtocol.HELLO, 1, 0, 1, 0, 8, 0, 0, 0, 0x10)); // bitmap: 1.3
        assertTrue(session.negotiated());
        sent.clear();
    }

    private static int type(ByteBuffer m) {
        return m.get(1) & 0xff;
    }

    @Test
    void helloOffersOnlyOneThreeAndAgreesOnItWithABitmapOrAHigherHeader() {
        session.start();
        ByteBuffer hello = sent.getFirst();
        assertEquals(16, hello.remaining());
        assertEquals(4, hello.get(0));
        assertEquals(1 << 4, hello.getInt(12));
        feed(message(6, OfProtocol.HELLO, 1)); // a later version without a bitmap: min is 1.3
        assertTrue(session.negotiated());
    }

    @Test
    void aPeerWithoutOneThreeGetsHelloFailedAndTheEnd() {
        session.start();
        feed(message(4, OfProtocol.HELLO, 7, 0, 1, 0, 8, 0, 0, 0, 0x02)); // bitmap: 1.0 only
        assertTrue(session.closed());
        ByteBuffer error = sent.getLast();
        assertEquals(OfProtocol.ERROR, type(error));
        assertEquals(7, error.getInt(4));
        assertEquals(OfProtocol.ET_HELLO_FAILED, error.getShort(8));
        assertEquals(1, counters.closedByProtocol());
    }

    @Test
    void anUnreadableHelloEndsTheConnectionLikeNoCommonVersion() {
        session.start();
        feed(message(4, OfProtocol.HELLO, 3, 0, 1, 0x29, 0xfb, 0, 0, 0, 0)); // an element longer than the message
        assertTrue(session.closed());
        assertFalse(session.negotiated());
        assertEquals(OfProtocol.ET_HELLO_FAILED, sent.getLast().getShort(8));
        assertEquals(0, counters.malformed(), "not a refusal of a served message: the session ended");
    }

    @Test
    void echoFeaturesConfigAndBarrierAreAnswered() {
        negotiate();
        feed(message(4, OfProtocol.ECHO_REQUEST, 5, 0xde, 0xad),
                message(4, OfProtocol.FEATURES_REQUEST, 6),
                message(4, OfProtocol.SET_CONFIG, 7, 0, 0, 0xff, 0xe5),
                message(4, OfProtocol.GET_CONFIG_REQUEST, 8),
                message(4, OfProtocol.BARRIER_REQUEST, 9));
        assertEquals(4, sent.size());
        assertEquals(OfProtocol.ECHO_REPLY, type(sent.get(0)));
        assertEquals((short) 0xdead, sent.get(0).getShort(8));
        ByteBuffer features = sent.get(1);
        assertEquals(32, features.remaining());
        assertEquals(0x0000_1234_5678_9abcL, features.getLong(8));
        assertEquals(2, features.get(20)); // n_tables
        assertEquals(0xffe5, sent.get(2).getShort(10) & 0xffff, "miss_send_len as set");
        assertEquals(OfProtocol.BARRIER_REPLY, type(sent.get(3)));
        assertEquals(9, sent.get(3).getInt(4));
        assertEquals(0, counters.errorsSent());
    }

    @Test
    void portStatsAndPortDescribeEveryPortOrTheOneAsked() {
        negotiate();
        feed(message(4, OfProtocol.MULTIPART_REQUEST, 3, 0, OfProtocol.MP_PORT_STATS, 0, 0, 0, 0, 0, 0,
                        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0),
                message(4, OfProtocol.MULTIPART_REQUEST, 4, 0, OfProtocol.MP_PORT_STATS, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0),
                message(4, OfProtocol.MULTIPART_REQUEST, 5, 0, OfProtocol.MP_PORT_DESC, 0, 0, 0, 0, 0, 0));
        assertEquals(16 + 3 * 112, sent.get(0).remaining());
        ByteBuffer one = sent.get(1);
        assertEquals(16 + 112, one.remaining());
        assertEquals(2, one.getInt(16));
        assertEquals(20, one.getLong(16 + 8), "rx_packets of port 2");
        ByteBuffer desc = sent.get(2);
        assertEquals(16 + 3 * 64, desc.remaining());
        assertEquals('p', desc.get(16 + 16));
        assertEquals(OfProtocol.PS_LINK_DOWN, desc.getInt(16 + 64 + 36), "port 2 is not connected");
    }

    @Test
    void tableFeaturesListEveryTableWithWhatCanBeInstalledAndRefuseChanges() {
        negotiate();
        feed(message(4, OfProtocol.MULTIPART_REQUEST, 1, 0, OfProtocol.MP_TABLE_FEATURES, 0, 0, 0, 0, 0, 0),
                message(4, OfProtocol.MULTIPART_REQUEST, 2, 0, OfProtocol.MP_TABLE_FEATURES, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0));
        ByteBuffer features = sent.get(0);
        // 64 fixed; instructions 24, next tables 24, write actions 8, apply actions 24, match 112,
        // wildcards 112, write set-field 8, apply set-field 32.
        int entry = 64 + 24 + 24 + 8 + 24 + 112 + 112 + 8 + 32;
        assertEquals(16 + 2 * entry, features.remaining());
        assertEquals(entry, features.getShort(16));
        assertEquals(1, features.get(16 + entry + 2), "the second table's id");
        assertEquals(100_000, features.getInt(16 + 60), "max_entries");
        assertEquals(0, features.getShort(16 + 64), "the first property: instructions");
        assertEquals(4 + 16, features.getShort(16 + 64 + 2), "goto-table, write-metadata, apply-actions, clear-actions");
        assertEquals(OfProtocol.IT_GOTO_TABLE, features.getShort(16 + 64 + 4));
        assertEquals(4 + 15, features.getShort(16 + 64 + 24 + 2), "table 0 may go to the 15 tables after it");
        int applySetField = 16 + 64 + 24 + 24 + 8 + 24 + 112 + 112 + 8;
        assertEquals(14, features.getShort(applySetField), "the last property: apply set-field");
        assertEquals(4 + 24, features.getShort(applySetField + 2), "eth_dst, eth_src, vlan_vid, vlan_pcp, ipv4_src, ipv4_dst");
        assertEquals(OfProtocol.ET_TABLE_FEATURES_FAILED, sent.get(1).getShort(8));
    }

    @Test
    void aReplyLargerThanAMessageIsSplitWithReplyMore() {
        OfSession big = new OfSession(new FakeSwitchView(2000), counters, sent::add, "test");
        big.start();
        big.receive(message(4, OfProtocol.HELLO, 1));
        sent.clear();
        big.receive(message(4, OfProtocol.MULTIPART_REQUEST, 3, 0, OfProtocol.MP_PORT_DESC, 0, 0, 0, 0, 0, 0));
        int ports = 0;
        for (int i = 0; i < sent.size(); i++) {
            ByteBuffer m = sent.get(i);
            assertEquals(m.remaining(), m.getShort(2) & 0xffff);
            assertEquals(i < sent.size() - 1 ? OfProtocol.MPF_MORE : 0, m.getShort(10));
            ports += (m.remaining() - 16) / 64;
        }
        assertEquals(2000, ports);
        assertTrue(sent.size() > 1);
    }

    @Test
    void malformedMessagesGetErrorsWithTheirBytesAndTheSessionGoesOn() {
        negotiate();
        feed(message(4, OfProtocol.FEATURES_REQUEST, 1, 9), // a body where none belongs
                message(4, 77, 2), // no such type
                message(4, OfProtocol.MULTIPART_REQUEST, 3, 0), // multipart header cut short
                message(4, OfProtocol.MULTIPART_REQUEST, 4, 0, OfProtocol.MP_FLOW, 0, 0, 0, 0, 0, 0,
                        0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 1, 0, 40, 0, 0, 0, 0), // match length runs past the message
                message(3, OfProtocol.ECHO_REQUEST, 5),
                message(4, OfProtocol.ECHO_REQUEST, 6));
        assertEquals(6, sent.size());
        int[][] expected = {{1, 6}, {1, 1}, {1, 6}, {4, 1}, {1, 0}};
        for (int i = 0; i < expected.length; i++) {
            ByteBuffer e = sent.get(i);
            assertEquals(OfProtocol.ERROR, type(e), "message " + i);
            assertEquals(i + 1, e.getInt(4));
            assertEquals(expected[i][0], e.getShort(8), "type of error " + i);
            assertEquals(expected[i][1], e.getShort(10), "code of error " + i);
            assertEquals(i + 1, e.getInt(12 + 4), "the offending header is echoed");
        }
        assertEquals(OfProtocol.ECHO_REPLY, type(sent.get(5)));
        assertFalse(session.closed());
        assertEquals(5, counters.errorsSent());
        assertEquals(4, counters.malformed());
        assertEquals(1, counters.unsupported());
    }

    @Test
    void aLengthShorterThanTheHeaderEndsTheConnection() {
        negotiate();
        ByteBuffer bad = message(4, OfProtocol.ECHO_REQUEST, 1);
        bad.putShort(2, (short) 4);
        feed(bad, message(4, OfProtocol.ECHO_REQUEST, 2));
        assertTrue(session.closed());
        assertEquals(1, sent.size());
        assertEquals(OfProtocol.BRC_BAD_LEN, sent.getFirst().getShort(10));
    }

    @Test
    void flowAndAggregateCheckTheirTableAndMatchAndAnswerWhatIsInstalled() {
        negotiate();
        int[] flowRequest = {0, OfProtocol.MP_AGGREGATE, 0, 0, 0, 0, 0, 0,
            0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 10, 0x80, 0, 10, 2, 0x08, 0x00, 0, 0, 0, 0, 0, 0}; // eth_type=0x0800, padded
        feed(message(4, OfProtocol.MULTIPART_REQUEST, 1, flowRequest));
        flowRequest[8] = 7; // no table 7
        feed(message(4, OfProtocol.MULTIPART_REQUEST, 2, flowRequest));
        assertEquals(16 + 24, sent.get(0).remaining());
        assertEquals(OfProtocol.BRC_BAD_TABLE_ID, sent.get(1).getShort(10));
    }
}
