package io.virtio4j.ovs.packet;

/** IPv6 fixed header layout (RFC 8200), offsets from its start, and the extension headers the parser skips. */
public final class Ipv6Header {
    /** Offset of the payload length. */
    public static final int PAYLOAD_LENGTH = 4;
    /** Offset of the next header. */
    public static final int NEXT_HEADER = 6;
    /** Offset of the source address (16 bytes). */
    public static final int SOURCE = 8;
    /** Offset of the destination address (16 bytes). */
    public static final int DESTINATION = 24;
    /** Length of the fixed header. */
    public static final int LENGTH = 40;

    /** Hop-by-hop options: next header, then its length in 8-byte units past the first 8. */
    public static final int HOP_BY_HOP = 0;
    /** Routing header: the same layout. */
    public static final int ROUTING = 43;
    /** Fragment header: 8 bytes, the fragment offset in bytes 2..3 (its high 13 bits). */
    public static final int FRAGMENT = 44;
    /** Destination options: the same layout as hop-by-hop. */
    public static final int DESTINATION_OPTIONS = 60;
    /** The fragment offset bits of a fragment header's bytes 2..3. */
    public static final int FRAGMENT_OFFSET_MASK = 0xfff8;

    private Ipv6Header() {
    }
}
