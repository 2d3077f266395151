package io.virtio4j.ovs.packet;

/** Ethernet II and 802.1Q header layout (IEEE 802.3, 802.1Q), offsets from the frame's start. */
public final class Ethernet {
    /** Offset of the destination MAC. */
    public static final int DESTINATION = 0;
    /** Offset of the source MAC. */
    public static final int SOURCE = 6;
    /** The EtherType of an untagged frame, or the TPID of a tagged one. */
    public static final int TYPE = 12;
    /** Length of an untagged Ethernet header. */
    public static final int HEADER_LENGTH = 14;

    /** The 802.1Q tag: TCI after the TPID, then the inner EtherType. */
    public static final int VLAN_TCI = 14;
    /** Offset of the EtherType behind an 802.1Q tag. */
    public static final int VLAN_INNER_TYPE = 16;
    /** Length of an Ethernet header with one 802.1Q tag. */
    public static final int TAGGED_HEADER_LENGTH = 18;
    /** The VID bits of a TCI. */
    public static final int VLAN_ID_MASK = 0x0fff;

    /** EtherType IPv4. */
    public static final int TYPE_IPV4 = 0x0800;
    /** EtherType ARP. */
    public static final int TYPE_ARP = 0x0806;
    /** EtherType IPv6. */
    public static final int TYPE_IPV6 = 0x86dd;
    /** TPID of an 802.1Q tag. */
    public static final int TYPE_VLAN = 0x8100;
    /** 802.1ad service tag: a second tag the switch does not take apart. */
    public static final int TYPE_QINQ = 0x88a8;

    /** Shortest frame on the wire without FCS; generated replies are padded to it. */
    public static final int MIN_FRAME = 60;

    private Ethernet() {
    }

    /** The group bit: least significant bit of the first octet (broadcast is a multicast). */
    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }
}
