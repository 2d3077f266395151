package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.decNwTtl;
import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static io.virtio4j.ovs.openflow.FlowModBytes.setMac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.RuleAction;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FLOW_MOD through one session: each command, the cookie, priority, out_port and table
 * selections, the hand-over to the data path (coalesced, and at once at a BARRIER), the flows
 * listed by FLOW and AGGREGATE with their counts, and every refusal with its error type and code.
 */
class OfFlowModTest {
    private static final int IN_PORT = OfMatch.IN_PORT;
    private static final int ETH_TYPE = OfMatch.ETH_TYPE;

    private final OfCounters counters = new OfCounters();
    private final List<ByteBuffer> sent = new ArrayList<>();
    /** Hands over only at a BARRIER within a test (a minute's coalescing), and sweeps timeouts only when told. */
    private final FakeSwitchView view = new FakeSwitchView(3, new OfFlowTable.Limits(60_000, 60_000, 100));

    @AfterEach
    void stopTheSweeper() {
        view.flows().close();
    }
    private final OfSession session = new OfSession(view, counters, sent::add, "test");

    private void negotiate() {
        session.start();
        session.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        sent.clear();
    }

    private void barrier() {
        session.receive(OfSessionTest.message(4, OfProtocol.BARRIER_REQUEST, 99));
        assertEquals(OfProtocol.BARRIER_REPLY, sent.getLast().get(1));
        sent.removeLast();
    }

    private List<ControllerFlows.Rule> installed() {
        return view.installed.getLast().rules();
    }

    /** A FLOW (or AGGREGATE) request for every table and flow. */
    private static ByteBuffer flowStats(int type, long xid, long outPort) {
        ByteBuffer b = ByteBuffer.allocate(16 + 32 + 8);
        b.put((byte) 4).put((byte) OfProtocol.MULTIPART_REQUEST).putShort((short) b.capacity()).putInt((int) xid);
        b.putShort((short) type).putShort((short) 0).putInt(0);
        b.put((byte) OfProtocol.TABLE_ALL).put(new byte[3]).putInt((int) outPort).putInt((int) OfProtocol.GROUP_ANY).putInt(0)
                .putLong(0).putLong(0);
        b.putShort((short) 1).putShort((short) 4).putInt(0);
        return b.flip();
    }

    @Test
    void aSwitchStartsWithTheNormalFlowListedAndDeletable() {
        negotiate();
        session.receive(flowStats(OfProtocol.MP_FLOW, 2, OfProtocol.PORT_ANY));
        ByteBuffer reply = sent.removeFirst();
        assertEquals(16 + 56 + 24, reply.remaining(), "one flow: 48 fixed, an empty match (8), apply-actions NORMAL (24)");
        assertEquals(0, reply.get(16 + 2), "table 0");
        assertEquals(0, reply.getShort(16 + 12), "priority 0");
        assertEquals(OfProtocol.PORT_NORMAL, reply.getInt(16 + 48 + 8 + 8 + 4) & 0xffffffffL, "output:NORMAL");
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(3));
        assertTrue(sent.isEmpty(), "a FLOW_MOD has no answer: " + sent);
        assertTrue(view.installed.isEmpty(), "coalesced until the BARRIER");
        barrier();
        assertEquals(List.of(), installed(), "nothing: every frame misses");
        session.receive(flowStats(OfProtocol.MP_AGGREGATE, 4, OfProtocol.PORT_ANY));
        assertEquals(0, sent.getLast().getInt(16 + 16), "flow_count");
        assertEquals(1, counters.flowMods());
    }

    @Test
    void addsAreCoalescedIntoOneHandOverAndListedWithTheirCounts() {
        negotiate();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(100).cookie(0x11, 0).match(IN_PORT, 4, 1)
                .apply(output(2)).build(2));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(200).cookie(0x22, 0).match(IN_PORT, 4, 2)
                .match(ETH_TYPE, 2, 0x0800).apply(setMac(OfMatch.ETH_DST, 0x0200_0000_0001L), decNwTtl(), output(3)).build(3));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).table(1).priority(5).apply(output(OfProtocol.PORT_FLOOD)).build(4));
        barrier();
        assertEquals(1, view.installed.size(), "three FLOW_MODs, one hand-over");
        List<ControllerFlows.Rule> rules = installed();
        assertEquals(4, rules.size(), "NORMAL and the three");
        ControllerFlows.Rule first = rules.get(1);
        assertEquals(1, first.inPort());
        assertEquals(List.of(new RuleAction.ToPort(2)), first.actions());
        assertEquals(3, rules.get(2).actions().size());
        assertEquals(List.of(new RuleAction.ToFlood("FLOOD")), rules.get(3).actions());
        assertEquals(1, rules.get(3).table());

        view.packets.put(first.counterKey(), 7L);
        session.receive(flowStats(OfProtocol.MP_FLOW, 5, 3)); // out_port=3: the second flow only
        ByteBuffer reply = sent.removeFirst();
        assertEquals(200, reply.getShort(16 + 12));
        assertEquals(0x22, reply.getLong(16 + 24), "cookie");
        assertEquals(-1L, reply.getLong(16 + 40), "byte_count: unavailable");
        session.receive(flowStats(OfProtocol.MP_AGGREGATE, 6, OfProtocol.PORT_ANY));
        ByteBuffer aggregate = sent.removeFirst();
        assertEquals(7, aggregate.getLong(16), "packets of every flow");
        assertEquals(4, aggregate.getInt(16 + 16));
        // The instructions come back as they were sent.
        FlowModBytes again = FlowModBytes.of(OfProtocol.FC_ADD).apply(output(2));
        session.receive(flowStats(OfProtocol.MP_FLOW, 7, 2));
        ByteBuffer one = sent.removeFirst();
        byte[] instructions = new byte[again.instructionBytes().length];
        one.get(16 + 48 + 16, instructions);
        assertArrayEquals(again.instructionBytes(), instructions);
    }

    @Test
    void modifyKeepsTheCounterAndStrictOnlyTakesTheSamePriorityAndMatch() {
        negotiate();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(100).cookie(0x1, 0).match(IN_PORT, 4, 1).apply(output(2)).build(2));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(200).cookie(0x2, 0).match(IN_PORT, 4, 1)
                .match(ETH_TYPE, 2, 0x0800).apply(output(2)).build(3));
        barrier();
        Object key = installed().get(2).counterKey();
        // Non-strict on in_port=1, cookie 0x2 under mask 0xff: only the second flow.
        session.receive(FlowModBytes.of(OfProtocol.FC_MODIFY).cookie(0x2, 0xff).match(IN_PORT, 4, 1).apply(output(3)).build(4));
        barrier();
        assertEquals(List.of(new RuleAction.ToPort(2)), installed().get(1).actions());
        assertEquals(List.of(new RuleAction.ToPort(3)), installed().get(2).actions());
        assertEquals(key, installed().get(2).counterKey(), "MODIFY keeps the counter");
        // Strict with another priority: nothing; with the flow's: that one.
        int handOvers = view.installed.size();
        session.receive(FlowModBytes.of(OfProtocol.FC_MODIFY_STRICT).priority(150).match(IN_PORT, 4, 1).apply().build(5));
        barrier();
        assertEquals(handOvers, view.installed.size(), "nothing changed, nothing handed over");
        session.receive(FlowModBytes.of(OfProtocol.FC_MODIFY_STRICT).priority(100).match(IN_PORT, 4, 1)
                .flags(OfProtocol.FF_RESET_COUNTS).apply().build(6));
        barrier();
        assertEquals(List.of(), installed().get(1).actions(), "an empty list: drop");
        assertTrue(sent.isEmpty(), sent.toString());
    }

    @Test
    void deleteSelectsByMatchCookieOutPortAndStrictPriority() {
        negotiate();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(100).match(IN_PORT, 4, 1).apply(output(2)).build(2));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(100).cookie(0x5, 0).match(IN_PORT, 4, 2).apply(output(3)).build(3));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(300).match(IN_PORT, 4, 2).apply(output(1)).build(4));
        // out_port 3: only the flow to 3.
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE).outPort(3).build(5));
        barrier();
        assertEquals(3, installed().size());
        // Strict: the priority and the match must be equal.
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE_STRICT).priority(299).match(IN_PORT, 4, 2).build(6));
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE_STRICT).priority(100).match(IN_PORT, 4, 1).build(7));
        barrier();
        assertEquals(2, installed().size());
        assertEquals(300, installed().get(1).priority());
        // Cookie filter: the NORMAL flow (cookie 0) and the one left (cookie 0) both pass 0/0xff, not 1/0xff.
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).cookie(1, 0xff).build(8));
        barrier();
        assertEquals(2, installed().size());
        assertTrue(sent.isEmpty(), sent.toString());
    }

    @Test
    void anIdenticalAddReplacesTheFlowInItsPlace() {
        negotiate();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(7).match(IN_PORT, 4, 1).apply(output(2)).build(2));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(7).match(IN_PORT, 4, 1).apply(output(3)).build(3));
        barrier();
        assertEquals(2, installed().size());
        assertEquals(List.of(new RuleAction.ToPort(3)), installed().get(1).actions());
    }

    private void assertRefused(ByteBuffer message, int type, int code, String what) {
        sent.clear();
        long xid = message.getInt(4) & 0xffffffffL;
        session.receive(message);
        assertEquals(1, sent.size(), what);
        ByteBuffer e = sent.getFirst();
        assertEquals(OfProtocol.ERROR, e.get(1), what);
        assertEquals(xid, e.getInt(4) & 0xffffffffL, what);
        assertEquals(type, e.getShort(8), what + ": type");
        assertEquals(code, e.getShort(10), what + ": code");
        assertEquals(xid, e.getInt(12 + 4) & 0xffffffffL, what + ": the offending header is echoed");
    }

    @Test
    void whatCannotBeServedGetsItsErrorAndNothingChanges() {
        negotiate();
        FlowModBytes ok = FlowModBytes.of(OfProtocol.FC_ADD).match(IN_PORT, 4, 1);
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).match(OfMatch.IPV6_FLABEL, 4, 80).apply(output(2)).build(10),
                OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_FIELD, "ipv6_flabel is not matched");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).match(OfMatch.IPV4_DST, 4, 0x0a000001).apply(output(2)).build(11),
                OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_PREREQ, "ipv4_dst without eth_type");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).match(ETH_TYPE, 2, 0x0800).match(OfMatch.IPV4_DST, 4, 0x0a000001, 0xff00ff00L)
                .apply(output(2)).build(12), OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_NW_ADDR_MASK, "a mask that is no prefix");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).match(OfMatch.VLAN_VID, 2, 10).apply(output(2)).build(13),
                OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_VALUE, "a VID without OFPVID_PRESENT");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).match(IN_PORT, 4, 1, 0xff).apply(output(2)).build(14),
                OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_MASK, "a masked in_port");
        assertRefused(ok.apply(FlowModBytes.action(19, 8, 8)).build(15), OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_TYPE, "push_mpls");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(output(9)).build(16), OfProtocol.ET_BAD_ACTION,
                OfProtocol.BAC_BAD_OUT_PORT, "no port 9");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(output(OfProtocol.PORT_LOCAL)).build(17),
                OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_OUT_PORT, "LOCAL");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(setMac(OfMatch.ETH_DST, 5), FlowModBytes.toController(64)).build(17),
                OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_UNSUPPORTED_ORDER, "a rewrite before CONTROLLER");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(FlowModBytes.toController(0xfff0)).build(17),
                OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_ARGUMENT, "CONTROLLER max_len above OFPCML_MAX");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(output(2), output(3), output(2), output(3), output(2), output(3),
                output(2), output(3), output(2)).build(18), OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_TOO_MANY, "nine outputs");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(output(2), decNwTtl()).build(19), OfProtocol.ET_BAD_ACTION,
                OfProtocol.BAC_UNSUPPORTED_ORDER, "an action after the output");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(decNwTtl(), output(2)).build(20), OfProtocol.ET_BAD_ACTION,
                OfProtocol.BAC_MATCH_INCONSISTENT, "dec_nw_ttl without eth_type=0x0800");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(FlowModBytes.action(OfProtocol.AT_OUTPUT, 12, 16)).build(21),
                OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN, "an action length not a multiple of 8");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(FlowModBytes.action(OfProtocol.AT_OUTPUT, 64, 16)).build(22),
                OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN, "an action longer than its instruction");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).apply(setMac(OfMatch.TCP_DST, 5)).build(23),
                OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_SET_TYPE, "set_field tcp_dst");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).instruction(OfProtocol.IT_WRITE_ACTIONS, 0).build(24),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_UNSUP_INST, "write-actions");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).table(2).gotoTable(1).build(25),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_BAD_TABLE_ID, "goto backwards");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).gotoTable(1).apply(output(2)).build(26),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_UNSUP_INST, "an output with goto");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).gotoTable(1).gotoTable(2).build(27),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_DUP_INST, "goto twice");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).raw(new byte[] {0, 4, 0, 64, 0, 0, 0, 0}).build(28),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_BAD_LEN, "an instruction longer than the message");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).table(16).apply(output(2)).build(29),
                OfProtocol.ET_FLOW_MOD_FAILED, OfProtocol.FMFC_BAD_TABLE_ID, "table 16");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).table(OfProtocol.TABLE_ALL).build(30),
                OfProtocol.ET_FLOW_MOD_FAILED, OfProtocol.FMFC_BAD_TABLE_ID, "adding to every table");
        assertRefused(FlowModBytes.of(9).build(31), OfProtocol.ET_FLOW_MOD_FAILED, OfProtocol.FMFC_BAD_COMMAND, "command 9");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).flags(OfProtocol.FF_CHECK_OVERLAP).build(32),
                OfProtocol.ET_FLOW_MOD_FAILED, OfProtocol.FMFC_BAD_FLAGS, "CHECK_OVERLAP");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).flags(0x40).build(33),
                OfProtocol.ET_FLOW_MOD_FAILED, OfProtocol.FMFC_BAD_FLAGS, "an unknown flag");
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).buffer(5).build(34), OfProtocol.ET_BAD_REQUEST,
                OfProtocol.BRC_BUFFER_UNKNOWN, "a buffer");
        ByteBuffer cut = FlowModBytes.of(OfProtocol.FC_ADD).build(35);
        assertRefused(cut.limit(8 + 30).putShort(2, (short) 38), OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN,
                "a FLOW_MOD cut short");
        assertRefused(OfSessionTest.message(4, OfProtocol.GROUP_MOD, 36, new int[8]), OfProtocol.ET_GROUP_MOD_FAILED,
                OfProtocol.GMFC_INVALID_GROUP, "GROUP_MOD");
        assertRefused(OfSessionTest.message(4, OfProtocol.METER_MOD, 37, new int[8]), OfProtocol.ET_METER_MOD_FAILED,
                OfProtocol.MMFC_INVALID_METER, "METER_MOD");
        sent.clear();
        barrier();
        assertTrue(view.installed.isEmpty(), "no refused FLOW_MOD changed anything");
        assertFalse(session.closed());
        assertEquals(0, counters.flowMods());
        assertEquals(30, counters.errorsSent());
        assertTrue(counters.unsupported() > 0 && counters.malformed() > 0);
        assertEquals(30, counters.unsupported() + counters.malformed());
    }

    @Test
    void expiredFlowsAreRemovedAndThoseAskingAreToldWithFlowRemoved() {
        negotiate();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(10).cookie(0x77, 0).idle(2).flags(OfProtocol.FF_SEND_FLOW_REM)
                .match(IN_PORT, 4, 1).apply(output(2)).build(2));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(11).hard(5).match(IN_PORT, 4, 2).apply(output(1)).build(3));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(12).cookie(0x99, 0).flags(OfProtocol.FF_SEND_FLOW_REM)
                .match(IN_PORT, 4, 3).apply(output(1)).build(4));
        barrier();
        long t0 = System.nanoTime();
        long second = 1_000_000_000L;
        Object idleKey = installed().get(1).counterKey();
        view.packets.put(idleKey, 3L);
        view.flows().sweep(t0 + 3 * second / 2); // it carried frames: active now
        view.flows().sweep(t0 + 3 * second); // 1.5 s idle: stays
        assertEquals(4, view.flows().snapshot().rules().size());
        assertTrue(sent.isEmpty(), sent.toString());
        view.flows().sweep(t0 + 4 * second); // 2.5 s idle
        assertEquals(3, view.flows().snapshot().rules().size());
        assertEquals(3, installed().size(), "handed over at once");
        ByteBuffer removed = sent.removeFirst();
        assertEquals(OfProtocol.FLOW_REMOVED, removed.get(1));
        assertEquals(0x77, removed.getLong(8), "cookie");
        assertEquals(10, removed.getShort(16), "priority");
        assertEquals(OfProtocol.RR_IDLE_TIMEOUT, removed.get(18));
        assertEquals(2, removed.getShort(28), "idle_timeout");
        assertEquals(3, removed.getLong(32), "packet_count");
        assertEquals(removed.remaining(), removed.getShort(2) & 0xffff);
        view.flows().sweep(t0 + 6 * second); // the hard timeout: removed, not told (no SEND_FLOW_REM)
        assertEquals(2, installed().size());
        assertTrue(sent.isEmpty(), sent.toString());
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE).match(IN_PORT, 4, 3).build(5));
        assertEquals(OfProtocol.RR_DELETE, sent.removeFirst().get(18), "a deleted flow that asked is told too");
        // A second connection adds and deletes a flow that asks; the first, ended, hears nothing of it.
        List<ByteBuffer> second2 = new ArrayList<>();
        OfSession other = new OfSession(view, counters, second2::add, "other");
        other.start();
        other.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        other.receive(FlowModBytes.of(OfProtocol.FC_ADD).flags(OfProtocol.FF_SEND_FLOW_REM).match(IN_PORT, 4, 2).apply().build(6));
        session.end();
        other.receive(FlowModBytes.of(OfProtocol.FC_DELETE).match(IN_PORT, 4, 2).build(7));
        assertTrue(sent.isEmpty(), "an ended connection hears nothing: " + sent);
        assertEquals(OfProtocol.FLOW_REMOVED, second2.getLast().get(1));
    }

    @Test
    void aFullTableRefusesNewFlowsButStillReplacesAndDeletes() {
        negotiate();
        for (int i = 1; i < 100; i++) { // the NORMAL flow and 99 more: the limit of 100
            session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(i).apply().build(i));
        }
        assertTrue(sent.isEmpty(), sent.toString());
        assertRefused(FlowModBytes.of(OfProtocol.FC_ADD).priority(200).apply().build(200), OfProtocol.ET_FLOW_MOD_FAILED,
                OfProtocol.FMFC_TABLE_FULL, "the 101st flow");
        sent.clear();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(5).apply(output(2)).build(201)); // replaces: no room needed
        session.receive(FlowModBytes.of(OfProtocol.FC_DELETE_STRICT).priority(6).build(202));
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(200).apply().build(203)); // room again
        assertTrue(sent.isEmpty(), sent.toString());
        barrier();
        assertEquals(100, installed().size());
    }

    @Test
    void tenThousandAddsAreOneHandOverAndAnIdenticalOneIsFoundWithoutAScan() {
        FakeSwitchView big = new FakeSwitchView(3, new OfFlowTable.Limits(60_000, 60_000, OfFlowTable.MAX_FLOWS));
        OfSession session = new OfSession(big, counters, sent::add, "test");
        session.start();
        session.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        sent.clear();
        for (int i = 0; i < 10_000; i++) {
            session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(1 + i % 60_000).match(ETH_TYPE, 2, 0x0800)
                    .match(OfMatch.IPV4_DST, 4, 0x0a00_0000L + i).apply(output(1 + i % 3)).build(i));
        }
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(1).match(ETH_TYPE, 2, 0x0800)
                .match(OfMatch.IPV4_DST, 4, 0x0a00_0000L).apply(output(3)).build(10_000)); // replaces the first
        session.receive(OfSessionTest.message(4, OfProtocol.BARRIER_REQUEST, 99));
        assertEquals(OfProtocol.BARRIER_REPLY, sent.removeLast().get(1));
        assertEquals(1, big.installed.size());
        List<ControllerFlows.Rule> rules = big.installed.getLast().rules();
        assertEquals(10_001, rules.size(), "NORMAL and 10,000");
        assertEquals(List.of(new RuleAction.ToPort(3)), rules.get(1).actions(), "replaced in its place");
        assertTrue(sent.isEmpty(), sent.isEmpty() ? "" : "refused: " + sent.getFirst().getShort(8));
        assertEquals(10_001, counters.flowMods());
    }

    @Test
    void aBurstWithoutBarrierIsHandedOverAfterTheCoalescingDelay() throws Exception {
        FakeSwitchView quick = new FakeSwitchView(3);
        OfSession s = new OfSession(quick, counters, sent::add, "test");
        s.start();
        s.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        for (int i = 0; i < 50; i++) {
            s.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(i).match(IN_PORT, 4, 1).apply(output(2)).build(i));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((quick.installed.isEmpty() || quick.installed.getLast().rules().size() != 51) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(51, quick.installed.getLast().rules().size());
        assertTrue(quick.installed.size() < 50, "coalesced: " + quick.installed.size() + " hand-overs for 50 FLOW_MODs");
    }
}
