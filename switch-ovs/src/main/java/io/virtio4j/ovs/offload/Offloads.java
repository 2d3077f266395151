package io.virtio4j.ovs.offload;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.spi.net.VirtioNetHeader;

/** What a receiving guest must have negotiated to take an offloaded frame as it is, and the header it then gets. */
public final class Offloads {
    private Offloads() {
    }

    /**
     * Whether a guest that acknowledged {@code features} for its RX ring takes {@code offload}
     * as it is: GUEST_CSUM for a partial checksum, and GUEST_TSO4/6 (GUEST_ECN with ECN) for a
     * super-frame (virtio 1.2, 5.1.6.4.1).
     */
    public static boolean guestTakes(long features, FrameOffload offload) {
        if (!VirtioFeature.NET_GUEST_CSUM.in(features)) {
            return false;
        }
        return switch (offload.gsoType()) {
            case VirtioNetHeader.GSO_NONE -> true;
            case VirtioNetHeader.GSO_TCPV4 -> VirtioFeature.NET_GUEST_TSO4.in(features)
                    && (!offload.ecn() || VirtioFeature.NET_GUEST_ECN.in(features));
            case VirtioNetHeader.GSO_TCPV6 -> VirtioFeature.NET_GUEST_TSO6.in(features)
                    && (!offload.ecn() || VirtioFeature.NET_GUEST_ECN.in(features));
            default -> false;
        };
    }

    /**
     * Writes the virtio-net header that carries {@code offload} to a receiver into {@code out}:
     * its offsets moved by {@code shift}, the bytes a rewritten head added (a pushed tag: 4) or
     * removed (a popped one: -4) before them; num_buffers is left to the port.
     */
    public static void header(VirtioNetHeader out, FrameOffload offload, int shift) {
        boolean gso = offload.gsoType() != VirtioNetHeader.GSO_NONE;
        out.flags(VirtioNetHeader.F_NEEDS_CSUM)
                .gsoType(offload.gsoType() | (offload.ecn() ? VirtioNetHeader.GSO_ECN : 0))
                .hdrLen(gso ? offload.headersEnd() + shift : 0)
                .gsoSize(gso ? offload.gsoSize() : 0)
                .csumStart(offload.csumStart() + shift)
                .csumOffset(offload.csumOffset());
    }
}
