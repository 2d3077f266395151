package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.packet.Ethernet;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Decodes a flow's instructions (section 7.2.4) into the actions the data path runs, with checked
 * reads and the OpenFlow error for what cannot be served. Served: apply-actions (output to a port,
 * IN_PORT, NORMAL, FLOOD, ALL; set_field eth_src/eth_dst; dec_nw_ttl; an empty list drops),
 * goto-table (forward), clear-actions (the action set is always empty, as write-actions is not
 * served: nothing to clear). Refused: write-actions, write-metadata, meter (BAD_INSTRUCTION/
 * UNSUP_INST), every other action (BAD_ACTION/BAD_TYPE).
 *
 * <p>A frame leaves by at most one output here (the data path's resolution holds one port or one
 * flood), so a flow has at most one output action (TOO_MANY), nothing after it (UNSUPPORTED_ORDER:
 * an action after an output would only change copies sent later), and an output or dec_nw_ttl does
 * not go with goto-table (a later table could output or decrement again). dec_nw_ttl does not go
 * with NORMAL either (the built-in routing decrements once more).
 */
final class OfInstructions {
    /** The decoded actions and the ports they output to (OpenFlow numbers, reserved ones included) for out_port filters. */
    record Decoded(List<RuleAction> actions, Set<Long> outputs) {
    }

    private static final int OXM_HEADER_BYTES = 4;
    private static final int ETH_ADDR_BYTES = 6;

    private OfInstructions() {
    }

    /**
     * @param r         the instructions, to its end
     * @param table     the flow's table (goto-table must go to a later one)
     * @param match     the flow's match (dec_nw_ttl needs IPv4)
     * @param portExists whether an OpenFlow port number names a port of the switch now
     */
    static Decoded decode(OfReader r, int table, Match match, LongPredicate portExists) {
        List<RuleAction> actions = new ArrayList<>();
        Set<Long> outputs = new HashSet<>();
        Set<Integer> seen = new HashSet<>();
        int gotoTable = -1;
        while (r.remaining() > 0) {
            Tlv tlv = Tlv.next(r, "instruction", OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_BAD_LEN);
            int type = tlv.type();
            OfReader body = tlv.body();
            if (!seen.add(type)) {
                throw badInstruction(OfProtocol.BIC_DUP_INST, "instruction type " + type + " twice");
            }
            switch (type) {
                case OfProtocol.IT_GOTO_TABLE -> {
                    gotoTable = body.u8("goto table_id");
                    body.skip(3, "goto pad");
                    if (gotoTable <= table || gotoTable >= ControllerFlows.TABLES) {
                        throw badInstruction(OfProtocol.BIC_BAD_TABLE_ID, "goto_table:" + gotoTable + " from table " + table
                                + ": it must go forward to a table below " + ControllerFlows.TABLES);
                    }
                }
                case OfProtocol.IT_APPLY_ACTIONS -> {
                    body.skip(4, "apply-actions pad");
                    applyActions(body, match, portExists, actions, outputs);
                }
                case OfProtocol.IT_CLEAR_ACTIONS -> body.skip(4, "clear-actions pad");
                case OfProtocol.IT_WRITE_ACTIONS, OfProtocol.IT_WRITE_METADATA, OfProtocol.IT_METER ->
                        throw badInstruction(OfProtocol.BIC_UNSUP_INST, "instruction type " + type + " is not supported");
                case OfProtocol.IT_EXPERIMENTER -> throw badInstruction(OfProtocol.BIC_BAD_EXPERIMENTER, "no experimenter instructions");
                default -> throw badInstruction(OfProtocol.BIC_UNKNOWN_INST, "unknown instruction type " + type);
            }
            if (body.remaining() != 0) {
                throw badInstruction(OfProtocol.BIC_BAD_LEN, "instruction type " + type + " has " + body.remaining()
                        + " bytes too many");
            }
        }
        if (gotoTable >= 0) {
            if (actions.stream().anyMatch(a -> !(a instanceof RuleAction.Apply apply) || apply.action() instanceof Actions.DecNwTtl)) {
                throw badInstruction(OfProtocol.BIC_UNSUP_INST, "an output or dec_nw_ttl together with goto_table is not"
                        + " supported (a frame leaves by one output, decremented once)");
            }
            actions.add(new RuleAction.ToTable(gotoTable));
        }
        return new Decoded(actions, Set.copyOf(outputs));
    }

    private static void applyActions(OfReader r, Match match, LongPredicate portExists, List<RuleAction> actions,
                                     Set<Long> outputs) {
        boolean output = false;
        boolean decremented = false;
        while (r.remaining() > 0) {
            Tlv tlv = Tlv.next(r, "action", OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN);
            int type = tlv.type();
            int length = tlv.length();
            OfReader body = tlv.body();
            if (output) {
                throw type == OfProtocol.AT_OUTPUT ? badAction(OfProtocol.BAC_TOO_MANY, "more than one output: a frame"
                        + " leaves by one output here") : badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "an action after the output");
            }
            switch (type) {
                case OfProtocol.AT_OUTPUT -> {
                    if (length != 16) {
                        throw badAction(OfProtocol.BAC_BAD_LEN, "output action length " + length + ", not 16");
                    }
                    long port = body.u32("output port");
                    int maxLength = body.u16("output max_len");
                    body.skip(6, "output pad");
                    RuleAction out = port == OfProtocol.PORT_CONTROLLER ? toController(maxLength, actions)
                            : output(port, portExists);
                    if (out instanceof RuleAction.ToNormal && decremented) {
                        throw badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "dec_nw_ttl before NORMAL (routing would decrement again)");
                    }
                    actions.add(out);
                    outputs.add(port);
                    output = true;
                }
                case OfProtocol.AT_DEC_NW_TTL -> {
                    body.skip(4, "dec_nw_ttl pad");
                    if (match.ethType() != Ethernet.TYPE_IPV4) {
                        throw badAction(OfProtocol.BAC_MATCH_INCONSISTENT, "dec_nw_ttl needs a match on eth_type=0x0800");
                    }
                    if (decremented) {
                        throw badAction(OfProtocol.BAC_TOO_MANY, "dec_nw_ttl twice");
                    }
                    decremented = true;
                    actions.add(new RuleAction.Apply(new Actions.DecNwTtl()));
                }
                case OfProtocol.AT_SET_FIELD -> actions.add(setField(body));
                case OfProtocol.AT_EXPERIMENTER -> throw badAction(OfProtocol.BAC_BAD_EXPERIMENTER, "no experimenter actions");
                default -> throw badAction(OfProtocol.BAC_BAD_TYPE, "action type " + type + " is not supported");
            }
            if (body.remaining() != 0 && type != OfProtocol.AT_SET_FIELD) {
                throw badAction(OfProtocol.BAC_BAD_LEN, "action type " + type + " has " + body.remaining() + " bytes too many");
            }
        }
    }

    /** One instruction or action: its type, its length (a multiple of 8, at least 8), and its body past the header. */
    private record Tlv(int type, int length, OfReader body) {
        /** Reads the next one from {@code r}; a bad or overlong length is {@code errorType}/{@code badLen}. */
        static Tlv next(OfReader r, String what, int errorType, int badLen) {
            int type = r.u16(what + " type");
            int length = r.u16(what + " length");
            if (length < 8 || length % 8 != 0) {
                throw new OfDecodeException(errorType, badLen, what + " length " + length + " is not a multiple of 8 >= 8");
            }
            return new Tlv(type, length, r.sub(length - 4, what, errorType, badLen));
        }
    }

    /**
     * {@code output:CONTROLLER} with {@code max_len}: the PACKET_IN carries the frame as received,
     * so a rewrite before it would be lost: refused rather than ignored.
     */
    private static RuleAction toController(int maxLength, List<RuleAction> before) {
        if (!before.isEmpty()) {
            throw badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "a rewrite before output:CONTROLLER (PACKET_IN carries the frame as received)");
        }
        if (maxLength > OfProtocol.CML_MAX && maxLength != OfProtocol.CML_NO_BUFFER) {
            throw badAction(OfProtocol.BAC_BAD_ARGUMENT, "output:CONTROLLER max_len " + maxLength + " is above OFPCML_MAX");
        }
        return new RuleAction.ToController(maxLength, 0);
    }

    private static RuleAction output(long port, LongPredicate portExists) {
        if (port == OfProtocol.PORT_IN_PORT) {
            return new RuleAction.ToInPort();
        } else if (port == OfProtocol.PORT_NORMAL) {
            return new RuleAction.ToNormal();
        } else if (port == OfProtocol.PORT_FLOOD) {
            return new RuleAction.ToFlood("FLOOD");
        } else if (port == OfProtocol.PORT_ALL) {
            return new RuleAction.ToFlood("ALL");
        } else if (port >= 1 && port <= OfProtocol.PORT_MAX && portExists.test(port)) {
            return new RuleAction.ToPort(port);
        }
        throw badAction(OfProtocol.BAC_BAD_OUT_PORT, "output to port " + Long.toUnsignedString(port)
                + " is not supported (a port of the switch, IN_PORT, NORMAL, FLOOD or ALL)");
    }

    /** {@code ofp_action_set_field}: one unmasked OXM, eth_src or eth_dst, padded to 8 bytes. */
    private static RuleAction setField(OfReader body) {
        int oxmClass = body.u16("set_field oxm class");
        int fieldAndMask = body.u8("set_field oxm field");
        int bytes = body.u8("set_field oxm length");
        int field = fieldAndMask >>> 1;
        if (oxmClass != OfProtocol.OXM_CLASS_OPENFLOW_BASIC || (field != OfMatch.ETH_DST && field != OfMatch.ETH_SRC)) {
            throw badAction(OfProtocol.BAC_BAD_SET_TYPE, String.format("set_field of OXM class 0x%04x field %d is not"
                    + " supported (eth_src, eth_dst)", oxmClass, field));
        }
        if ((fieldAndMask & 1) != 0) {
            throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "set_field cannot carry a mask");
        }
        if (bytes != ETH_ADDR_BYTES) {
            throw badAction(OfProtocol.BAC_BAD_SET_LEN, "set_field of an Ethernet address with " + bytes + " bytes");
        }
        long mac = 0;
        for (int i = 0; i < ETH_ADDR_BYTES; i++) {
            mac = mac << 8 | body.u8("set_field value");
        }
        int padding = body.remaining();
        if (padding != (OXM_HEADER_BYTES + ETH_ADDR_BYTES + 4 + 7) / 8 * 8 - (OXM_HEADER_BYTES + ETH_ADDR_BYTES + 4)) {
            throw badAction(OfProtocol.BAC_BAD_SET_LEN, "set_field action has " + padding + " bytes of padding");
        }
        for (int i = 0; i < padding; i++) {
            if (body.u8("set_field pad") != 0) {
                throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "set_field padding is not zero");
            }
        }
        return new RuleAction.Apply(field == OfMatch.ETH_DST ? new Actions.SetEthDst(mac) : new Actions.SetEthSrc(mac));
    }

    private static OfDecodeException badAction(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_ACTION, code, why);
    }

    private static OfDecodeException badInstruction(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_INSTRUCTION, code, why);
    }
}
