package io.virtio4j.ovs.offload;

import java.util.Locale;

/**
 * Why a guest's TX virtio-net header was refused. Each refusal drops its frame only, and is
 * counted per port ({@code port:NAME:vnet_<error>}) and logged rate-limited per kind.
 */
public enum OffloadError {
    /** A flag other than NEEDS_CSUM: DATA_VALID and RSC_INFO are the device's (virtio 1.2, 5.1.6.2.1), others undefined. */
    BAD_FLAGS,
    /** NEEDS_CSUM without VIRTIO_NET_F_CSUM, or a GSO type (or ECN) whose HOST_ feature the guest did not negotiate. */
    NOT_NEGOTIATED,
    /** A GSO type the switch does not offer (UDP fragmentation, UDP_L4) or none defined. */
    BAD_GSO_TYPE,
    /** A GSO frame without NEEDS_CSUM: its TCP checksum would be wrong in every segment. */
    GSO_WITHOUT_CSUM,
    /** csum_start before the network header, or csum_start + csum_offset + 2 past the frame's end. */
    CSUM_OUT_OF_FRAME,
    /** gso_size 0, no payload, or more segments than {@link OffloadCheck#MAX_SEGMENTS}. */
    BAD_GSO_SIZE,
    /** hdr_len beyond the frame. */
    BAD_HDR_LEN,
    /** A GSO frame whose headers are not IPv4 or IPv6 then TCP at csum_start, or do not fit the header window. */
    BAD_GSO_HEADERS,
    /** A frame longer than a jumbo frame that is not a GSO super-frame. */
    OVERSIZED;

    /** Its counter label after {@code port:NAME:}. */
    public String label() {
        return "vnet_" + name().toLowerCase(Locale.ROOT);
    }
}
