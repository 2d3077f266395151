package io.virtio4j.ovs.packet;

/** The ICMP header (RFC 792), offsets from its start. */
public final class Icmp {
    /** Offset of the type. */
    public static final int TYPE = 0;
    /** Offset of the code. */
    public static final int CODE = 1;
    /** Offset of the checksum (over the whole ICMP message). */
    public static final int CHECKSUM = 2;
    /** Echo identifier and sequence, or the unused word of an error message. */
    public static final int REST = 4;
    /** Length of the ICMP header. */
    public static final int HEADER_LENGTH = 8;

    /** Type: echo reply. */
    public static final int TYPE_ECHO_REPLY = 0;
    /** Type: destination unreachable. */
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    /** Type: echo request. */
    public static final int TYPE_ECHO_REQUEST = 8;
    /** Type: time exceeded (TTL expired in transit). */
    public static final int TYPE_TIME_EXCEEDED = 11;
    /** An error message quotes the offending IP header and this many bytes after it (RFC 792). */
    public static final int ERROR_QUOTED_PAYLOAD = 8;

    private Icmp() {
    }

    /** Whether {@code type} is a query (echo, timestamp, ...) rather than an error, so an error may be sent about it (RFC 1812 4.3.2.7). */
    public static boolean isQuery(int type) {
        return type == TYPE_ECHO_REPLY || type == TYPE_ECHO_REQUEST || type == 13 || type == 14
                || type == 9 || type == 10;
    }
}
