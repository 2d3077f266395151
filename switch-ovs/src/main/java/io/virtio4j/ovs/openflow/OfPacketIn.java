package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.datapath.PacketInQueue;

import java.nio.ByteBuffer;

/**
 * A PACKET_IN (ofp_packet_in, spec 7.4.1) for a frame the data path queued: buffer_id NO_BUFFER
 * (the switch buffers nothing), total_len the whole frame, the reason, table and cookie of the flow
 * that sent it, a match holding in_port, then the frame's first bytes (at most the action's max_len).
 */
final class OfPacketIn {
    private OfPacketIn() {
    }

    static ByteBuffer encode(long inPort, PacketInQueue.Slot slot) {
        OfWriter w = OfWriter.start(OfProtocol.PACKET_IN, 0);
        w.u32(OfProtocol.NO_BUFFER).u16(slot.frameLength()).u8(slot.reason()).u8(slot.table()).u64(slot.cookie());
        // ofp_match: OXM type, length 4 + one 8-byte OXM (in_port), padded to 16; then 2 bytes of pad.
        w.u16(OfProtocol.MATCH_TYPE_OXM).u16(12);
        w.u16(0x8000).u8(OfMatch.IN_PORT << 1).u8(4).u32(inPort);
        w.zeros(4);
        w.zeros(2);
        w.bytes(ByteBuffer.wrap(slot.data(), 0, slot.length()));
        return w.finish();
    }
}
