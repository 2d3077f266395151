package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.OpenFlowListen;
import io.virtio4j.ovs.openflow.OfCounters;
import io.virtio4j.ovs.openflow.OpenFlowAgent;

/**
 * {@code ctl openflow}: the OpenFlow agent's listener ("none" with controllers only) and counters, one
 * row; "off" and zeros when the config starts no agent (the command exists either way, so scripts
 * need not know).
 */
final class OpenFlowCommand {
    private OpenFlowCommand() {
    }

    static Table table(OpenFlowListen listen, OpenFlowAgent agent) {
        Table t = Table.of("listen", "open", "accepted", "refused", "messages_in", "messages_out", "errors_sent",
                "malformed", "unsupported", "refused_by_role", "closed_by_protocol", "timed_out", "flow_mods",
                "packet_outs", "packet_out_dropped", "packet_ins", "packet_in_dropped", "port_status");
        if (agent == null) {
            return t.row("off", 0, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        }
        OfCounters c = agent.counters();
        return t.row(listen == null ? "none" : listen.toString(), agent.openConnections(), c.connections(), c.refusedConnections(), c.messagesIn(),
                c.messagesOut(), c.errorsSent(), c.malformed(), c.unsupported(), c.refusedByRole(), c.closedByProtocol(), c.timedOut(),
                c.flowMods(), c.packetOuts(), c.packetOutDropped(), c.packetIns(),
                agent.packetInDropped(), c.portStatus());
    }
}
