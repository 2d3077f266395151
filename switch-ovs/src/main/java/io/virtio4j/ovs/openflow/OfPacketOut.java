package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.datapath.InjectionRing;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.port.SwitchPort;

import java.util.ArrayList;
import java.util.List;

/**
 * A PACKET_OUT (ofp_packet_out, spec 7.3.7) decoded and checked whole against the switch, as the
 * deliveries it asks for: each a port and whether the frame is sent out of it as it is
 * ({@link InjectionRing#TRANSMIT}) or switched as received there ({@link InjectionRing#RECEIVE}:
 * the TABLE and NORMAL outputs, from {@code in_port}). Nothing is queued until every field and
 * action is known good, so a refused PACKET_OUT sends nothing.
 *
 * <p>Served: {@code buffer_id} NO_BUFFER with the frame in the message; {@code in_port} a port of
 * the switch, CONTROLLER or ANY; output actions to a port, IN_PORT, FLOOD and ALL (every port but
 * {@code in_port}), TABLE (the OpenFlow tables from table 0) and NORMAL (the built-in pipeline,
 * only while no OpenFlow flow but the default one is installed: otherwise the frame would meet
 * the tables first; TABLE says that honestly). Several outputs send several copies.
 */
record OfPacketOut(long inPort, List<Delivery> deliveries, byte[] frame) {
    /** OpenFlow port number {@code port} gets the frame as {@code kind}. */
    record Delivery(long port, int kind) {
    }

    private static final int OUTPUT_ACTION_BYTES = 16;

    /**
     * Decodes the body after the header. {@code onlyNormal}: whether the tables hold only the
     * default NORMAL flow (NORMAL is served then); asked only for an output to NORMAL.
     */
    static OfPacketOut decode(OfReader r, OfSwitchView view, java.util.function.BooleanSupplier onlyNormal) {
        long bufferId = r.u32("buffer_id");
        long inPort = r.u32("in_port");
        int actionsLength = r.u16("actions_len");
        r.skip(6, "pad");
        if (bufferId != OfProtocol.NO_BUFFER) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BUFFER_UNKNOWN,
                    "buffer " + Long.toUnsignedString(bufferId) + ": the switch buffers no frames (NO_BUFFER only)");
        }
        boolean realInPort = inPort >= 1 && inPort <= OfProtocol.PORT_MAX;
        if (realInPort ? view.mtu(inPort) < 0 : inPort != OfProtocol.PORT_CONTROLLER && inPort != OfProtocol.PORT_ANY) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_PORT,
                    "in_port " + Long.toUnsignedString(inPort) + " is not a port of the switch, CONTROLLER or ANY");
        }
        if (actionsLength % 8 != 0) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "actions_len " + actionsLength + " is not a multiple of 8");
        }
        OfReader actions = r.sub(actionsLength, "actions", OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        List<Long> outputs = outputs(actions);
        byte[] frame = new byte[r.remaining()];
        r.rest().get(frame);
        if (frame.length < Ethernet.HEADER_LENGTH || frame.length > SwitchPort.MAX_FRAME) {
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "a frame of " + frame.length + " bytes (an Ethernet frame of "
                    + Ethernet.HEADER_LENGTH + ".." + SwitchPort.MAX_FRAME + " bytes is needed)");
        }
        List<Delivery> deliveries = new ArrayList<>();
        for (long port : outputs) {
            resolve(port, inPort, realInPort, onlyNormal, frame, view, deliveries);
        }
        return new OfPacketOut(inPort, deliveries, frame);
    }

    /** The output actions' ports; any other action is refused (none is served with PACKET_OUT). */
    private static List<Long> outputs(OfReader r) {
        List<Long> ports = new ArrayList<>();
        while (r.remaining() > 0) {
            int type = r.u16("action type");
            int length = r.u16("action length");
            if (length < 8 || length % 8 != 0) {
                throw badAction(OfProtocol.BAC_BAD_LEN, "action length " + length + " is not a multiple of 8 >= 8");
            }
            OfReader body = r.sub(length - 4, "action", OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN);
            if (type == OfProtocol.AT_EXPERIMENTER) {
                throw badAction(OfProtocol.BAC_BAD_EXPERIMENTER, "no experimenter actions");
            }
            if (type != OfProtocol.AT_OUTPUT) {
                throw badAction(OfProtocol.BAC_BAD_TYPE, "action type " + type + " is not served in PACKET_OUT (output only)");
            }
            if (length != OUTPUT_ACTION_BYTES) {
                throw badAction(OfProtocol.BAC_BAD_LEN, "output action length " + length + ", not 16");
            }
            ports.add(body.u32("output port"));
            body.u16("output max_len");
            body.skip(6, "output pad");
        }
        return ports;
    }

    private static void resolve(long port, long inPort, boolean realInPort, java.util.function.BooleanSupplier onlyNormal,
                                byte[] frame, OfSwitchView view,
                                List<Delivery> out) {
        if (port >= 1 && port <= OfProtocol.PORT_MAX) {
            int mtu = view.mtu(port);
            if (mtu < 0) {
                throw badAction(OfProtocol.BAC_BAD_OUT_PORT, "output to port " + port + ": no such port");
            }
            if (tooLong(frame, mtu)) {
                throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "a frame of " + frame.length
                        + " bytes is longer than port " + port + "'s MTU of " + mtu + " allows");
            }
            out.add(new Delivery(port, InjectionRing.TRANSMIT));
        } else if (port == OfProtocol.PORT_FLOOD || port == OfProtocol.PORT_ALL) {
            for (OfPortView p : view.ports()) {
                if (p.number() != inPort) {
                    out.add(new Delivery(p.number(), InjectionRing.TRANSMIT));
                }
            }
        } else if (!realInPort && (port == OfProtocol.PORT_IN_PORT || port == OfProtocol.PORT_TABLE
                || port == OfProtocol.PORT_NORMAL)) {
            throw badAction(OfProtocol.BAC_BAD_OUT_PORT, "output " + name(port) + " needs in_port to be a port of the switch");
        } else if (port == OfProtocol.PORT_IN_PORT) {
            if (tooLong(frame, view.mtu(inPort))) {
                throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "a frame of " + frame.length
                        + " bytes is longer than in_port " + inPort + "'s MTU of " + view.mtu(inPort) + " allows");
            }
            out.add(new Delivery(inPort, InjectionRing.TRANSMIT));
        } else if (port == OfProtocol.PORT_TABLE || port == OfProtocol.PORT_NORMAL && onlyNormal.getAsBoolean()) {
            out.add(new Delivery(inPort, InjectionRing.RECEIVE));
        } else if (port == OfProtocol.PORT_NORMAL) {
            throw badAction(OfProtocol.BAC_BAD_OUT_PORT, "output NORMAL while OpenFlow flows are installed would meet"
                    + " them first: use TABLE");
        } else {
            throw badAction(OfProtocol.BAC_BAD_OUT_PORT, "output to " + name(port)
                    + " is not served (a port of the switch, IN_PORT, FLOOD, ALL, TABLE or NORMAL)");
        }
    }

    /**
     * Whether the frame's IP packet (past its Ethernet header and one VLAN tag, if any) is longer
     * than {@code mtu}, which the port would never send.
     */
    static boolean tooLong(byte[] frame, int mtu) {
        int l2 = Ethernet.HEADER_LENGTH;
        // In bounds: the frame holds at least an Ethernet header (checked before).
        if (((frame[12] & 0xff) << 8 | frame[13] & 0xff) == Ethernet.TYPE_VLAN) {
            l2 += 4;
        }
        return frame.length - l2 > mtu;
    }

    private static String name(long port) {
        if (port == OfProtocol.PORT_IN_PORT) {
            return "IN_PORT";
        } else if (port == OfProtocol.PORT_TABLE) {
            return "TABLE";
        } else if (port == OfProtocol.PORT_NORMAL) {
            return "NORMAL";
        } else if (port == OfProtocol.PORT_CONTROLLER) {
            return "CONTROLLER";
        } else if (port == OfProtocol.PORT_LOCAL) {
            return "LOCAL";
        }
        return "port " + Long.toUnsignedString(port);
    }

    private static OfDecodeException badAction(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_ACTION, code, why);
    }
}
