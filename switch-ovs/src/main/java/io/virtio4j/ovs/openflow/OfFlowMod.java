package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;

/**
 * A decoded {@code ofp_flow_mod} (section 7.3.4.1): its fixed part, its match decoded and checked
 * structurally ({@link OfMatch}), its instructions as bytes (decoded against each flow they
 * apply to, {@link OfInstructions}). Every read is checked: a short or overlong message is an
 * ERROR, never a read past it.
 */
record OfFlowMod(long cookie, long cookieMask, int table, int command, int idleTimeout, int hardTimeout, int priority,
                 long bufferId, long outPort, long outGroup, int flags, OfMatch match, byte[] instructions) {

    /** {@code ofp_multipart_reply} without its body. */
    private static final int MULTIPART_REPLY_HEADER = 16;

    /** {@code r} reads the whole message and is past its header. */
    static OfFlowMod decode(OfReader r) {
        long cookie = r.u64("cookie");
        long cookieMask = r.u64("cookie_mask");
        int table = r.u8("table_id");
        int command = r.u8("command");
        int idle = r.u16("idle_timeout");
        int hard = r.u16("hard_timeout");
        int priority = r.u16("priority");
        long bufferId = r.u32("buffer_id");
        long outPort = r.u32("out_port");
        long outGroup = r.u32("out_group");
        int flags = r.u16("flags");
        r.skip(2, "pad");
        OfMatch match = OfMatch.decode(r);
        if (r.position() + r.remaining() + MULTIPART_REPLY_HEADER > OfProtocol.MAX_MESSAGE_BYTES) {
            // Its FLOW statistics entry (the same fields, match and instructions) must fit a reply.
            throw OfDecodeException.badRequest(OfProtocol.BRC_BAD_LEN, "a FLOW_MOD longer than "
                    + (OfProtocol.MAX_MESSAGE_BYTES - MULTIPART_REPLY_HEADER) + " bytes could not be listed in a FLOW reply");
        }
        ByteBuffer rest = r.rest();
        byte[] instructions = new byte[rest.remaining()];
        rest.get(instructions);
        return new OfFlowMod(cookie, cookieMask, table, command, idle, hard, priority, bufferId, outPort, outGroup, flags,
                match, instructions);
    }

    /** A reader of the instructions, whose short reads are BAD_INSTRUCTION/BAD_LEN. */
    OfReader instructionReader() {
        return new OfReader(ByteBuffer.wrap(instructions), OfProtocol.ET_BAD_INSTRUCTION, OfProtocol.BIC_BAD_LEN);
    }

    /** Whether a flow with {@code flowCookie} passes the cookie filter (MODIFY and DELETE, the statistics). */
    boolean cookieMatches(long flowCookie) {
        return (flowCookie & cookieMask) == (cookie & cookieMask);
    }
}
