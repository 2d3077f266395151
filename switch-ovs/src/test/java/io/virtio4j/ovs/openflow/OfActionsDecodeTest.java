package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.decNwTtl;
import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static io.virtio4j.ovs.openflow.FlowModBytes.popVlan;
import static io.virtio4j.ovs.openflow.FlowModBytes.pushVlan;
import static io.virtio4j.ovs.openflow.FlowModBytes.setField;
import static io.virtio4j.ovs.openflow.FlowModBytes.setMac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.packet.Ethernet;

/**
 * The actions and instructions FLOW_MOD gained for Faucet (issue 18), decoded: several outputs,
 * push_vlan/pop_vlan between them, set_field vlan_vid and vlan_pcp, write-metadata before goto;
 * and each refusal with its error type and code.
 */
class OfActionsDecodeTest {
    private static final Match IP = Match.all().withEthType(Ethernet.TYPE_IPV4);

    private static OfInstructions.Decoded decode(FlowModBytes f, int table) {
        return OfInstructions.decode(new OfReader(ByteBuffer.wrap(f.instructionBytes()), OfProtocol.ET_BAD_INSTRUCTION,
                OfProtocol.BIC_BAD_LEN), table, IP, port -> port >= 1 && port <= 4);
    }

    private static List<RuleAction> actions(byte[]... list) {
        return decode(FlowModBytes.of(OfProtocol.FC_ADD).apply(list), 0).actions();
    }

    private static void refused(FlowModBytes f, int type, int code, String what) {
        OfDecodeException e = assertThrows(OfDecodeException.class, () -> decode(f, 0), what);
        assertEquals(type, e.type(), what + ": " + e.getMessage());
        assertEquals(code, e.code(), what + ": " + e.getMessage());
    }

    private static void refusedAction(int code, String what, byte[]... list) {
        refused(FlowModBytes.of(OfProtocol.FC_ADD).apply(list), OfProtocol.ET_BAD_ACTION, code, what);
    }

    private static RuleAction apply(io.virtio4j.ovs.flow.Action a) {
        return new RuleAction.Apply(a);
    }

    @Test
    void severalOutputsWithTagChangesBetweenThem() {
        OfInstructions.Decoded d = decode(FlowModBytes.of(OfProtocol.FC_ADD).apply(setField(OfMatch.VLAN_VID, 2, 0x1000 | 20),
                setField(OfMatch.VLAN_PCP, 1, 3), output(1), output(2), popVlan(), output(3), pushVlan(0x8100),
                output(OfProtocol.PORT_FLOOD)), 0);
        assertEquals(List.of(apply(new Actions.SetVlan(20)), apply(new Actions.SetVlanPcp(3)), new RuleAction.ToPort(1),
                new RuleAction.ToPort(2), apply(Actions.VlanTag.POP), new RuleAction.ToPort(3), apply(Actions.VlanTag.PUSH),
                new RuleAction.ToFlood("FLOOD")), d.actions());
        assertEquals(Set.of(1L, 2L, 3L, OfProtocol.PORT_FLOOD), d.outputs(), "every output counts for out_port filters");
    }

    @Test
    void ipv4AddressesAreSetOnIpv4Flows() {
        assertEquals(List.of(apply(new Actions.SetIpv4(true, 0x0a00_0001)), apply(new Actions.SetIpv4(false, 0xc0a8_0005)),
                new RuleAction.ToPort(2)), actions(setField(OfMatch.IPV4_SRC, 4, 0x0a00_0001L), setField(OfMatch.IPV4_DST, 4, 0xc0a8_0005L),
                output(2)));
    }

    @Test
    void writeMetadataRunsBeforeGoto() {
        OfInstructions.Decoded d = decode(FlowModBytes.of(OfProtocol.FC_ADD).gotoTable(3).writeMetadata(0x12, 0xff)
                .apply(pushVlan(0x8100), setField(OfMatch.VLAN_VID, 2, 0x1000 | 7)), 1);
        assertEquals(List.of(apply(Actions.VlanTag.PUSH), apply(new Actions.SetVlan(7)), apply(new Actions.WriteMetadata(0x12, 0xff)),
                new RuleAction.ToTable(3)), d.actions());
    }

    @Test
    void whatCannotBeServedIsRefusedWithItsError() {
        refusedAction(OfProtocol.BAC_BAD_ARGUMENT, "push_vlan 0x88a8", pushVlan(0x88a8), output(1));
        refusedAction(OfProtocol.BAC_TOO_MANY, "FLOOD and ALL", output(OfProtocol.PORT_FLOOD), popVlan(), output(OfProtocol.PORT_ALL));
        refusedAction(OfProtocol.BAC_BAD_ARGUMENT, "push_vlan twice (QinQ)", pushVlan(0x8100), pushVlan(0x8100), output(1));
        refusedAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "a rewrite between outputs", output(1), setMac(OfMatch.ETH_DST, 5), output(2));
        refusedAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "dec_nw_ttl after an output", output(1), decNwTtl());
        refusedAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "NORMAL after an output", output(1), output(OfProtocol.PORT_NORMAL));
        refusedAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "an output after NORMAL", output(OfProtocol.PORT_NORMAL), output(1));
        refusedAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "CONTROLLER after an output", output(1), FlowModBytes.toController(64));
        refusedAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "pop_vlan after CONTROLLER", FlowModBytes.toController(64), popVlan());
        refusedAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "vlan_vid 4095", setField(OfMatch.VLAN_VID, 2, 0x1fff));
        refusedAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "vlan_vid 0", setField(OfMatch.VLAN_VID, 2, 0x1000));
        // OVS refuses it too, and ovs-ofctl could not read such a flow back from dump-flows.
        refusedAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "vlan_vid 10 without OFPVID_PRESENT", setField(OfMatch.VLAN_VID, 2, 10));
        refusedAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "vlan_pcp 8", setField(OfMatch.VLAN_PCP, 1, 8));
        refusedAction(OfProtocol.BAC_BAD_SET_LEN, "vlan_vid in 1 byte", setField(OfMatch.VLAN_VID, 1, 10));
        refusedAction(OfProtocol.BAC_BAD_SET_TYPE, "set_field tunnel_id", setField(OfMatch.TUNNEL_ID, 8, 5010));
        refusedAction(OfProtocol.BAC_BAD_SET_TYPE, "set_field tcp_src", setField(OfMatch.TCP_SRC, 2, 1));
        OfDecodeException e = assertThrows(OfDecodeException.class, () -> OfInstructions.decode(new OfReader(ByteBuffer.wrap(
                FlowModBytes.of(OfProtocol.FC_ADD).apply(setField(OfMatch.IPV4_DST, 4, 1), output(1)).instructionBytes()),
                OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_BAD_LEN), 0, Match.all(), port -> true));
        assertEquals(OfProtocol.BAC_MATCH_INCONSISTENT, e.code(), "set_field ipv4_dst without eth_type=0x0800");
        refusedAction(OfProtocol.BAC_BAD_LEN, "pop_vlan 16 bytes long", FlowModBytes.action(OfProtocol.AT_POP_VLAN, 16, 16));
        refusedAction(OfProtocol.BAC_BAD_LEN, "push_vlan 16 bytes long", FlowModBytes.action(OfProtocol.AT_PUSH_VLAN, 16, 16));
        refused(FlowModBytes.of(OfProtocol.FC_ADD).instruction(OfProtocol.IT_WRITE_METADATA, 0), OfProtocol.ET_BAD_INSTRUCTION,
                OfProtocol.BIC_BAD_LEN, "write-metadata cut to 8 bytes");
        refused(FlowModBytes.of(OfProtocol.FC_ADD).writeMetadata(1, 1).writeMetadata(2, 2), OfProtocol.ET_BAD_INSTRUCTION,
                OfProtocol.BIC_DUP_INST, "write-metadata twice");
    }
}
