package io.virtio4j.ovs.vxlan;

import java.util.Locale;

/**
 * Why a VXLAN port dropped a datagram from the underlay or a frame for it. Each is counted per
 * port ({@code port:NAME:vxlan_<reason>}) and logged rate-limited per reason.
 */
public enum VxlanDrop {
    /** Underlay: shorter than the VXLAN header and an inner Ethernet header. */
    TRUNCATED,
    /** Underlay: the datagram was longer than a receive buffer (the inner frame is longer than any frame the switch takes). */
    OVERSIZE,
    /** Underlay: the flags byte is not exactly 0x08 (the I flag alone, RFC 7348 section 5). */
    BAD_FLAGS,
    /** Underlay: VNI 0. */
    VNI_ZERO,
    /** Underlay: a VNI this port does not map to a VLAN. */
    UNKNOWN_VNI,
    /** Underlay: from an address that is not one of the port's VTEPs (or not IPv4). */
    UNKNOWN_VTEP,
    /** Underlay: a VNI of the port, but from a VTEP limited to other VNIs ({@code remote = ADDRESS vni=...}). */
    VNI_NOT_CARRIED,
    /** Underlay: the inner frame carries an 802.1Q tag (RFC 7348 section 6.1: decapsulated frames with one are discarded). */
    INNER_TAGGED,
    /** Overlay: the frame does not fit the underlay MTU once encapsulated (never truncated). */
    TOO_BIG,
    /** Overlay: a partial checksum whose csum_start/offset no longer lie in the frame after its head was rewritten. */
    BAD_CHECKSUM_OFFSETS,
    /** Overlay: a frame without a VLAN tag or of a VLAN without VNI reached the port. */
    NO_VNI,
    /** Overlay: the VNI has no VTEP to send to. */
    NO_VTEP,
    /** Overlay: the kernel refused the datagram (no route to the VTEP, socket buffer full). */
    SEND_FAILED;

    /** The counter-label form: {@code bad_flags}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
