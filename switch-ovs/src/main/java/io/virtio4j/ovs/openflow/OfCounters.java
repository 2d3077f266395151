package io.virtio4j.ovs.openflow;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's counters, shared by all its connections ({@code ctl openflow} shows them): what
 * peers sent, what was refused and why it was refused in summary.
 */
public final class OfCounters {
    final AtomicLong connections = new AtomicLong();
    final AtomicLong refusedConnections = new AtomicLong();
    final AtomicLong messagesIn = new AtomicLong();
    final AtomicLong messagesOut = new AtomicLong();
    final AtomicLong errorsSent = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong unsupported = new AtomicLong();
    final AtomicLong refusedByRole = new AtomicLong();
    final AtomicLong closedByProtocol = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong flowMods = new AtomicLong();
    final AtomicLong packetOuts = new AtomicLong();
    final AtomicLong packetIns = new AtomicLong();
    final AtomicLong packetOutDropped = new AtomicLong();
    final AtomicLong portStatus = new AtomicLong();

    /** FLOW_MODs applied (refused ones are counted as malformed or unsupported). */
    public long flowMods() {
        return flowMods.get();
    }

    /** Frames sent to the controllers as PACKET_IN (each once, to every connection). */
    public long packetIns() {
        return packetIns.get();
    }

    /** PACKET_OUTs accepted (refused ones are counted as malformed or unsupported). */
    public long packetOuts() {
        return packetOuts.get();
    }

    /**
     * Frames of accepted PACKET_OUTs that were not queued for a port: its injection ring was full
     * (the PMD had not caught up), the port was down, or a FLOOD/ALL port's MTU was too small.
     */
    public long packetOutDropped() {
        return packetOutDropped.get();
    }

    /** Port changes told as PORT_STATUS (each once, to every connection whose masks take it). */
    public long portStatus() {
        return portStatus.get();
    }

    /** Connections closed for sending no HELLO in time or going silent (no answer to ECHO_REQUEST). */
    public long timedOut() {
        return timedOut.get();
    }

    /** Connections accepted. */
    public long connections() {
        return connections.get();
    }

    /** Connections refused because the agent already had its maximum. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** Messages received (whole ones, malformed included). */
    public long messagesIn() {
        return messagesIn.get();
    }

    /** Messages sent, errors included. */
    public long messagesOut() {
        return messagesOut.get();
    }

    /** ERROR messages sent. */
    public long errorsSent() {
        return errorsSent.get();
    }

    /** Messages refused because a length, an offset or a field was wrong. */
    public long malformed() {
        return malformed.get();
    }

    /** Well-formed messages of a type or with a feature the agent does not implement. */
    public long unsupported() {
        return unsupported.get();
    }

    /**
     * Messages refused for the sender's role: a slave's FLOW_MOD, PACKET_OUT and other changes
     * (BAD_REQUEST/IS_SLAVE), and ROLE_REQUESTs with a stale generation id or an unknown role.
     */
    public long refusedByRole() {
        return refusedByRole.get();
    }

    /** Connections the agent ended because the peer broke the protocol (no common version, a bad header). */
    public long closedByProtocol() {
        return closedByProtocol.get();
    }
}
