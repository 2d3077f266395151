package io.virtio4j.ovs.packet;

/** The IPv4 header (RFC 791), offsets from its start. */
public final class Ipv4Header {
    public static final int VERSION_IHL = 0;
    public static final int TOS = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    public static final int FLAGS_FRAGMENT = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;

    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int PROTOCOL_ICMP = 1;
    /** TTL of packets the switch originates (Linux's default). */
    public static final int DEFAULT_TTL = 64;

    private Ipv4Header() {
    }
}
