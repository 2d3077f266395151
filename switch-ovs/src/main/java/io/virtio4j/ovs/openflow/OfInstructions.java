package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.Resolution;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.packet.Ethernet;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Decodes a flow's instructions (section 7.2.4) into the actions the data path runs, with checked
 * reads and the OpenFlow error for what cannot be served. Served: apply-actions (outputs to ports,
 * IN_PORT, NORMAL, FLOOD, ALL, CONTROLLER; push_vlan 0x8100 and pop_vlan; set_field, see
 * {@link OfSetField}; dec_nw_ttl; an empty list drops), write-metadata, goto-table (forward),
 * clear-actions (the action set is always empty, as write-actions is not served: nothing to
 * clear). Refused: write-actions, meter (BAD_INSTRUCTION/UNSUP_INST), every other action
 * (BAD_ACTION/BAD_TYPE).
 *
 * <p>Several outputs each send their own copy, up to {@link Resolution#MAX_OUTPUTS}, at most one of
 * them FLOOD or ALL (TOO_MANY). The copies share one rewrite of the header (the data path builds one head per tag
 * state and copies the frame once per destination), so after the first output only push_vlan,
 * pop_vlan and more outputs may follow (UNSUPPORTED_ORDER otherwise): OVS's and Faucet's "tagged
 * ports, pop_vlan, untagged ports" works, a rewrite between outputs does not. NORMAL and
 * CONTROLLER hand the frame over whole, so each is the flow's only output. An output or dec_nw_ttl
 * does not go with goto-table (a later table could output or decrement again); dec_nw_ttl does not
 * go with NORMAL either (the built-in routing decrements once more).
 */
final class OfInstructions {
    /** The decoded actions and the ports they output to (OpenFlow numbers, reserved ones included) for out_port filters. */
    record Decoded(List<RuleAction> actions, Set<Long> outputs) {
    }

    private static final int VLAN_ETHERTYPE = 0x8100;

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
        RuleAction metadata = null;
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
                    new ActionList(match, portExists, actions, outputs).decode(body);
                }
                case OfProtocol.IT_WRITE_METADATA -> {
                    body.skip(4, "write-metadata pad");
                    long value = body.u64("metadata");
                    long mask = body.u64("metadata_mask");
                    metadata = new RuleAction.Apply(new Actions.WriteMetadata(value, mask));
                }
                case OfProtocol.IT_CLEAR_ACTIONS -> body.skip(4, "clear-actions pad");
                case OfProtocol.IT_WRITE_ACTIONS, OfProtocol.IT_METER ->
                        throw badInstruction(OfProtocol.BIC_UNSUP_INST, "instruction type " + type + " is not supported");
                case OfProtocol.IT_EXPERIMENTER -> throw badInstruction(OfProtocol.BIC_BAD_EXPERIMENTER, "no experimenter instructions");
                default -> throw badInstruction(OfProtocol.BIC_UNKNOWN_INST, "unknown instruction type " + type);
            }
            if (body.remaining() != 0) {
                throw badInstruction(OfProtocol.BIC_BAD_LEN, "instruction type " + type + " has " + body.remaining()
                        + " bytes too many");
            }
        }
        if (metadata != null) {
            // The spec's order: apply-actions, clear-actions, write-actions, write-metadata, goto-table.
            actions.add(metadata);
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

    /** One apply-actions list, decoded in order with the rules above. */
    private static final class ActionList {
        private final Match match;
        private final LongPredicate portExists;
        private final List<RuleAction> actions;
        private final Set<Long> outputs;
        private int outputCount;
        /** NORMAL or CONTROLLER: the frame is handed over, nothing may follow. */
        private boolean handedOver;
        private boolean decremented;
        private boolean pushed;
        private boolean flooded;

        ActionList(Match match, LongPredicate portExists, List<RuleAction> actions, Set<Long> outputs) {
            this.match = match;
            this.portExists = portExists;
            this.actions = actions;
            this.outputs = outputs;
        }

        void decode(OfReader r) {
            while (r.remaining() > 0) {
                Tlv tlv = Tlv.next(r, "action", OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN);
                int type = tlv.type();
                OfReader body = tlv.body();
                if (handedOver) {
                    throw badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "an action after NORMAL or CONTROLLER, which take the frame whole");
                }
                if (outputCount > 0 && type != OfProtocol.AT_OUTPUT && type != OfProtocol.AT_PUSH_VLAN
                        && type != OfProtocol.AT_POP_VLAN) {
                    throw badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "action type " + type + " after an output: every copy"
                            + " leaves with the same rewrites (only push_vlan and pop_vlan may come between outputs)");
                }
                int fixed = fixedLength(type);
                if (fixed > 0 && tlv.length() != fixed) {
                    // Checked before any field is read: a wrong length is BAD_LEN, not what the padding reads as.
                    throw badAction(OfProtocol.BAC_BAD_LEN, "action type " + type + " has length " + tlv.length() + ", not " + fixed);
                }
                switch (type) {
                    case OfProtocol.AT_OUTPUT -> output(body);
                    case OfProtocol.AT_PUSH_VLAN -> {
                        int ethertype = body.u16("push_vlan ethertype");
                        body.skip(2, "push_vlan pad");
                        if (ethertype != VLAN_ETHERTYPE) {
                            throw badAction(OfProtocol.BAC_BAD_ARGUMENT, String.format("push_vlan 0x%04x: only 0x8100 (802.1Q)", ethertype));
                        }
                        if (pushed) {
                            throw badAction(OfProtocol.BAC_BAD_ARGUMENT, "push_vlan twice: a second tag (QinQ) is not supported");
                        }
                        pushed = true;
                        actions.add(new RuleAction.Apply(Actions.VlanTag.PUSH));
                    }
                    case OfProtocol.AT_POP_VLAN -> {
                        body.skip(4, "pop_vlan pad");
                        pushed = false;
                        actions.add(new RuleAction.Apply(Actions.VlanTag.POP));
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
                    case OfProtocol.AT_SET_FIELD -> actions.add(OfSetField.decode(body, match));
                    case OfProtocol.AT_EXPERIMENTER -> throw badAction(OfProtocol.BAC_BAD_EXPERIMENTER, "no experimenter actions");
                    default -> throw badAction(OfProtocol.BAC_BAD_TYPE, "action type " + type + " is not supported");
                }
                if (body.remaining() != 0 && type != OfProtocol.AT_SET_FIELD) {
                    throw badAction(OfProtocol.BAC_BAD_LEN, "action type " + type + " has " + body.remaining() + " bytes too many");
                }
            }
        }

        /** The length an action of {@code type} always has, 0 for one whose length varies (set_field). */
        private static int fixedLength(int type) {
            return switch (type) {
                case OfProtocol.AT_OUTPUT -> 16;
                case OfProtocol.AT_PUSH_VLAN, OfProtocol.AT_POP_VLAN, OfProtocol.AT_DEC_NW_TTL -> 8;
                default -> 0;
            };
        }

        private void output(OfReader body) {
            long port = body.u32("output port");
            int maxLength = body.u16("output max_len");
            body.skip(6, "output pad");
            if (++outputCount > Resolution.MAX_OUTPUTS) {
                throw badAction(OfProtocol.BAC_TOO_MANY, "more than " + Resolution.MAX_OUTPUTS + " outputs in one flow");
            }
            RuleAction out = port == OfProtocol.PORT_CONTROLLER ? toController(maxLength, actions)
                    : OfInstructions.output(port, portExists);
            if (out instanceof RuleAction.ToNormal) {
                if (outputCount > 1) {
                    throw badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "NORMAL after another output (NORMAL takes the frame whole)");
                }
                if (decremented) {
                    throw badAction(OfProtocol.BAC_UNSUPPORTED_ORDER, "dec_nw_ttl before NORMAL (routing would decrement again)");
                }
            }
            if (out instanceof RuleAction.ToFlood) {
                if (flooded) {
                    throw badAction(OfProtocol.BAC_TOO_MANY, "FLOOD or ALL twice: one already reaches every port of the VLAN");
                }
                flooded = true;
            }
            handedOver = out instanceof RuleAction.ToNormal || out instanceof RuleAction.ToController;
            actions.add(out);
            outputs.add(port);
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

    static RuleAction output(long port, LongPredicate portExists) {
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

    private static OfDecodeException badAction(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_ACTION, code, why);
    }

    private static OfDecodeException badInstruction(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_INSTRUCTION, code, why);
    }
}
