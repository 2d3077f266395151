package io.virtio4j.ovs.packet;

/** The ARP packet for IPv4 over Ethernet (RFC 826), offsets from the start of the ARP header. */
public final class Arp {
    /** Offset of the hardware type (u16). */
    public static final int HARDWARE_TYPE = 0;
    /** Offset of the protocol type (u16, an EtherType). */
    public static final int PROTOCOL_TYPE = 2;
    /** Offset of the hardware address length (u8, 6 for Ethernet). */
    public static final int HARDWARE_LENGTH = 4;
    /** Offset of the protocol address length (u8, 4 for IPv4). */
    public static final int PROTOCOL_LENGTH = 5;
    /** Offset of the operation (u16): {@link #OP_REQUEST} or {@link #OP_REPLY}. */
    public static final int OPERATION = 6;
    /** Offset of the sender's MAC. */
    public static final int SENDER_MAC = 8;
    /** Offset of the sender's IPv4 address. */
    public static final int SENDER_IP = 14;
    /** Offset of the target's MAC. */
    public static final int TARGET_MAC = 18;
    /** Offset of the target's IPv4 address. */
    public static final int TARGET_IP = 24;
    /** Length of an IPv4-over-Ethernet ARP packet. */
    public static final int LENGTH = 28;

    /** Hardware type Ethernet. */
    public static final int HARDWARE_ETHERNET = 1;
    /** Operation: request (who-has). */
    public static final int OP_REQUEST = 1;
    /** Operation: reply (is-at). */
    public static final int OP_REPLY = 2;

    private Arp() {
    }
}
