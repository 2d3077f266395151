package io.virtio4j.ovs.openflow;

/**
 * One flow installed through OpenFlow as the agent keeps it: what FLOW_MOD said (table, priority,
 * match, cookie, flags, instructions as sent, for the statistics), what it was compiled to, and
 * the key its packet counter is kept under across programs. Immutable; a MODIFY makes a new one.
 */
record OfFlow(int table, int priority, OfMatch match, OfMatchCompiler.Compiled compiled, long cookie, int flags,
              int idleTimeout, int hardTimeout, byte[] instructions, OfInstructions.Decoded decoded, Object counterKey,
              long installedNanos) {

    /** This flow with other instructions (MODIFY): the cookie, the match and, unless reset, the counter stay. */
    OfFlow withInstructions(byte[] newInstructions, OfInstructions.Decoded newDecoded, boolean resetCounts) {
        return new OfFlow(table, priority, match, compiled, cookie, flags, idleTimeout, hardTimeout, newInstructions,
                newDecoded, resetCounts ? new Object() : counterKey, installedNanos);
    }

    /** Whether the flow expires by itself (an idle or a hard timeout). */
    boolean expires() {
        return idleTimeout != 0 || hardTimeout != 0;
    }

    /** Whether its removal is told to the controllers (OFPFF_SEND_FLOW_REM). */
    boolean notifiesRemoval() {
        return (flags & OfProtocol.FF_SEND_FLOW_REM) != 0;
    }

    /**
     * {@code ofp_flow_removed} for this flow (section 7.4.2), with {@code packets} counted and the
     * byte count unavailable (all ones).
     */
    java.nio.ByteBuffer removed(int reason, long packets, long nowNanos) {
        long age = Math.max(0, nowNanos - installedNanos);
        OfWriter w = OfWriter.start(OfProtocol.FLOW_REMOVED, 0).u64(cookie).u16(priority).u8(reason).u8(table)
                .u32(age / 1_000_000_000L).u32(age % 1_000_000_000L).u16(idleTimeout).u16(hardTimeout)
                .u64(packets).u64(-1L);
        match.encode(w);
        return w.finish();
    }

    /** Whether the flow outputs to {@code port} ({@code OFPP_ANY}: no filter), as out_port filters ask. */
    boolean outputsTo(long port) {
        return port == OfProtocol.PORT_ANY || decoded.outputs().contains(port);
    }
}
