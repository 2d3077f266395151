package io.virtio4j.api.feature;

/**
 * The feature bits virtio4j knows: the device-independent transport bits of virtio 1.2 section 6,
 * the net-device bits of section 5.1.3, and the two vhost bits that share the space.
 *
 * <p>Each constant carries its bit number and the spec name used in logs. Net bits are only
 * meaningful on a network device; the enum does not mix devices beyond that.
 */
public enum VirtioFeature {
    // --- virtio-net (spec 5.1.3) ---
    /** Device handles packets with partial checksum (driver may send NEEDS_CSUM). */
    NET_CSUM(0, "VIRTIO_NET_F_CSUM"),
    /** Driver handles packets with partial checksum. */
    NET_GUEST_CSUM(1, "VIRTIO_NET_F_GUEST_CSUM"),
    /** Control channel offloads reconfiguration. */
    NET_CTRL_GUEST_OFFLOADS(2, "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS"),
    /** Device maximum MTU reporting. */
    NET_MTU(3, "VIRTIO_NET_F_MTU"),
    /** Device has a given MAC address. */
    NET_MAC(5, "VIRTIO_NET_F_MAC"),
    /** Driver can receive TSOv4. */
    NET_GUEST_TSO4(7, "VIRTIO_NET_F_GUEST_TSO4"),
    /** Driver can receive TSOv6. */
    NET_GUEST_TSO6(8, "VIRTIO_NET_F_GUEST_TSO6"),
    /** Driver can receive TSO with ECN. */
    NET_GUEST_ECN(9, "VIRTIO_NET_F_GUEST_ECN"),
    /** Driver can receive UFO. */
    NET_GUEST_UFO(10, "VIRTIO_NET_F_GUEST_UFO"),
    /** Device can receive TSOv4. */
    NET_HOST_TSO4(11, "VIRTIO_NET_F_HOST_TSO4"),
    /** Device can receive TSOv6. */
    NET_HOST_TSO6(12, "VIRTIO_NET_F_HOST_TSO6"),
    /** Device can receive TSO with ECN. */
    NET_HOST_ECN(13, "VIRTIO_NET_F_HOST_ECN"),
    /** Device can receive UFO. */
    NET_HOST_UFO(14, "VIRTIO_NET_F_HOST_UFO"),
    /** Driver can merge receive buffers. */
    NET_MRG_RXBUF(15, "VIRTIO_NET_F_MRG_RXBUF"),
    /** Configuration status field is available. */
    NET_STATUS(16, "VIRTIO_NET_F_STATUS"),
    /** Control channel is available. */
    NET_CTRL_VQ(17, "VIRTIO_NET_F_CTRL_VQ"),
    /** Control channel RX mode support. */
    NET_CTRL_RX(18, "VIRTIO_NET_F_CTRL_RX"),
    /** Control channel VLAN filtering. */
    NET_CTRL_VLAN(19, "VIRTIO_NET_F_CTRL_VLAN"),
    /** Extra RX mode control support. */
    NET_CTRL_RX_EXTRA(20, "VIRTIO_NET_F_CTRL_RX_EXTRA"),
    /** Driver can send gratuitous packets. */
    NET_GUEST_ANNOUNCE(21, "VIRTIO_NET_F_GUEST_ANNOUNCE"),
    /** Device supports multiqueue with automatic receive steering. */
    NET_MQ(22, "VIRTIO_NET_F_MQ"),
    /** Set MAC address through control channel. */
    NET_CTRL_MAC_ADDR(23, "VIRTIO_NET_F_CTRL_MAC_ADDR"),
    /** Device supports per-virtqueue notification coalescing. */
    NET_VQ_NOTF_COAL(52, "VIRTIO_NET_F_VQ_NOTF_COAL"),
    /** Device supports notification coalescing. */
    NET_NOTF_COAL(53, "VIRTIO_NET_F_NOTF_COAL"),
    /** Driver can receive USOv4. */
    NET_GUEST_USO4(54, "VIRTIO_NET_F_GUEST_USO4"),
    /** Driver can receive USOv6. */
    NET_GUEST_USO6(55, "VIRTIO_NET_F_GUEST_USO6"),
    /** Device can receive USO. */
    NET_HOST_USO(56, "VIRTIO_NET_F_HOST_USO"),
    /** Device can report per-packet hash value and type. */
    NET_HASH_REPORT(57, "VIRTIO_NET_F_HASH_REPORT"),
    /** Driver provides the exact header length in hdr_len. */
    NET_GUEST_HDRLEN(59, "VIRTIO_NET_F_GUEST_HDRLEN"),
    /** Device supports RSS. */
    NET_RSS(60, "VIRTIO_NET_F_RSS"),
    /** Device can process duplicated ACKs and report coalesced segments. */
    NET_RSC_EXT(61, "VIRTIO_NET_F_RSC_EXT"),
    /** Device may act as a standby for a primary device with the same MAC. */
    NET_STANDBY(62, "VIRTIO_NET_F_STANDBY"),
    /** Device reports speed and duplex. */
    NET_SPEED_DUPLEX(63, "VIRTIO_NET_F_SPEED_DUPLEX"),

    // --- transport (spec 6) and legacy/vhost bits sharing the space ---
    /** Legacy: notify even when the avail ring is empty. */
    NOTIFY_ON_EMPTY(24, "VIRTIO_F_NOTIFY_ON_EMPTY"),
    /** vhost: dirty-page logging of all writes (live migration). */
    VHOST_LOG_ALL(26, "VHOST_F_LOG_ALL"),
    /** Legacy: any descriptor layout. */
    ANY_LAYOUT(27, "VIRTIO_F_ANY_LAYOUT"),
    /** Indirect descriptor tables (2.7.5.3). */
    RING_INDIRECT_DESC(28, "VIRTIO_F_RING_INDIRECT_DESC"),
    /** used_event / avail_event notification suppression (2.7.7, 2.7.10). */
    RING_EVENT_IDX(29, "VIRTIO_F_RING_EVENT_IDX"),
    /** vhost-user: the protocol-feature handshake is supported. */
    VHOST_USER_PROTOCOL_FEATURES(30, "VHOST_USER_F_PROTOCOL_FEATURES"),
    /** Compliance with virtio 1.x (non-legacy). */
    VERSION_1(32, "VIRTIO_F_VERSION_1"),
    /** Device is behind an IOMMU / platform access restrictions. */
    ACCESS_PLATFORM(33, "VIRTIO_F_ACCESS_PLATFORM"),
    /** Packed virtqueue layout (2.8). */
    RING_PACKED(34, "VIRTIO_F_RING_PACKED"),
    /** Buffers are used in the order they were made available. */
    IN_ORDER(35, "VIRTIO_F_IN_ORDER"),
    /** Memory accesses are ordered as the platform requires. */
    ORDER_PLATFORM(36, "VIRTIO_F_ORDER_PLATFORM"),
    /** Single root I/O virtualization. */
    SR_IOV(37, "VIRTIO_F_SR_IOV"),
    /** Driver passes extra data with notifications. */
    NOTIFICATION_DATA(38, "VIRTIO_F_NOTIFICATION_DATA"),
    /** Driver uses the device-provided notification config data. */
    NOTIF_CONFIG_DATA(39, "VIRTIO_F_NOTIF_CONFIG_DATA"),
    /** Individual virtqueue reset. */
    RING_RESET(40, "VIRTIO_F_RING_RESET"),
    /** Administration virtqueues. */
    ADMIN_VQ(41, "VIRTIO_F_ADMIN_VQ");

    private static final VirtioFeature[] BY_BIT = new VirtioFeature[64];

    static {
        for (VirtioFeature f : values()) {
            if (BY_BIT[f.bit] != null) {
                throw new ExceptionInInitializerError("bit " + f.bit + " defined twice");
            }
            BY_BIT[f.bit] = f;
        }
    }

    private final int bit;
    private final String specName;

    VirtioFeature(int bit, String specName) {
        this.bit = bit;
        this.specName = specName;
    }

    /** The bit number, 0..63. */
    public int bit() {
        return bit;
    }

    /** The bit as a mask. */
    public long mask() {
        return 1L << bit;
    }

    /** The name the spec (or the vhost headers) give the bit. */
    public String specName() {
        return specName;
    }

    /** Whether {@code bits} has this feature set. */
    public boolean in(long bits) {
        return (bits & mask()) != 0;
    }

    /** The feature at {@code bit}, or null if virtio4j has no name for it. */
    public static VirtioFeature ofBit(int bit) {
        return bit >= 0 && bit < 64 ? BY_BIT[bit] : null;
    }
}
