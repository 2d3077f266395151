package io.virtio4j.ovs.flow;

/**
 * One action of a flow installed through OpenFlow, before it is placed in a program: ports are
 * OpenFlow port numbers and tables OpenFlow table ids, which become port indices and program
 * tables when a pipeline is built for a switch spec ({@link FlowProgramBuilder}).
 */
public sealed interface RuleAction {
    /** {@code output:ofport}. */
    record ToPort(long ofport) implements RuleAction {
    }

    /** {@code output:IN_PORT}. */
    record ToInPort() implements RuleAction {
    }

    /** {@code output:NORMAL}: the switch's built-in pipeline (VLAN learning, routing). */
    record ToNormal() implements RuleAction {
    }

    /** {@code output:FLOOD} or {@code output:ALL} ({@code name} says which). */
    record ToFlood(String name) implements RuleAction {
    }

    /**
     * {@code output:CONTROLLER}: a PACKET_IN of the frame's first {@code maxLength} bytes (all of
     * it for OFPCML_NO_BUFFER, 0xffff) to the controllers; {@code cookie} is the flow's, filled in
     * when the flows are handed to the data path.
     */
    record ToController(int maxLength, long cookie) implements RuleAction {
        /** The same action carrying the flow's {@code cookie}. */
        public ToController withCookie(long cookie) {
            return new ToController(maxLength, cookie);
        }
    }

    /** {@code goto_table:table} (an OpenFlow table id, later than the flow's own). */
    record ToTable(int table) implements RuleAction {
    }

    /** An action that names no port and no table (set_field, dec_nw_ttl). */
    record Apply(Action action) implements RuleAction {
    }
}
