package io.virtio4j.ovs.packet;

/** The IPv4 header (RFC 791), offsets from its start. */
public final class Ipv4Header {
    /** Offset of version (high nibble) and header length in words (low nibble). */
    public static final int VERSION_IHL = 0;
    /** Offset of the type of service. */
    public static final int TOS = 1;
    /** Offset of the total length (header and payload). */
    public static final int TOTAL_LENGTH = 2;
    /** Offset of the identification. */
    public static final int IDENTIFICATION = 4;
    /** Offset of the flags and fragment offset. */
    public static final int FLAGS_FRAGMENT = 6;
    /** Offset of the time to live. */
    public static final int TTL = 8;
    /** Offset of the protocol. */
    public static final int PROTOCOL = 9;
    /** Offset of the header checksum. */
    public static final int CHECKSUM = 10;
    /** Offset of the source address. */
    public static final int SOURCE = 12;
    /** Offset of the destination address. */
    public static final int DESTINATION = 16;
    /** Length of a header without options. */
    public static final int MIN_LENGTH = 20;
    /** Length of the longest header (IHL 15). */
    public static final int MAX_LENGTH = 60;

    /** The fragment offset bits of the flags-and-fragment field. */
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;
    /** The don't-fragment flag. */
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    /** Protocol ICMP. */
    public static final int PROTOCOL_ICMP = 1;
    /** TTL of packets the switch originates (Linux's default). */
    public static final int DEFAULT_TTL = 64;

    private Ipv4Header() {
    }
}
