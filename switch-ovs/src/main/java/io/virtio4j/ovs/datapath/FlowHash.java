package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.ovs.packet.NetworkOrder;

/**
 * A frame's flow hash from its first bytes: Ethernet addresses and, for IPv4 (tagged or not), the
 * IP addresses. Equal for every frame of a flow, so a multi-queue destination that picks its queue
 * pair by it keeps a flow on one pair (no reordering) while different flows spread over the pairs.
 */
public final class FlowHash {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final int ETHERTYPE = 12;
    private static final int IPV4_ADDRESSES = 12;

    private FlowHash() {
    }

    /** The hash of the first {@code length} bytes of {@code header} ({@code length >= 14}). */
    public static int of(MemorySegment header, int length) {
        // In bounds: the caller checked length >= 14, so bytes 0..13 were read into header.
        long h = header.get(LONG, 0) * 0x9E37_79B9_7F4A_7C15L;
        h ^= header.get(INT, 8) * 0xC2B2_AE3D_27D4_EB4FL;
        int type = ETHERTYPE;
        if (NetworkOrder.u16(header, type) == HeaderRewriter.TPID_8021Q && length >= type + 6) {
            type += 4;
        }
        int addresses = type + 2 + IPV4_ADDRESSES;
        if (NetworkOrder.u16(header, type) == HeaderRewriter.ETHERTYPE_IPV4 && length >= addresses + 8) {
            // In bounds: the source and destination addresses end at addresses + 8 <= length.
            h ^= header.get(LONG, addresses) * 0xBF58_476D_1CE4_E5B9L;
        }
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 32));
    }
}
