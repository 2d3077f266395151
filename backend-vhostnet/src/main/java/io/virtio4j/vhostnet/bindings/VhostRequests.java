package io.virtio4j.vhostnet.bindings;

import static io.virtio4j.api.platform.IoctlNumbers.io;
import static io.virtio4j.api.platform.IoctlNumbers.ior;
import static io.virtio4j.api.platform.IoctlNumbers.iow;
import static io.virtio4j.api.platform.IoctlNumbers.iowr;

/**
 * The vhost and vhost-net ioctl request numbers, computed as {@code /usr/include/linux/vhost.h}
 * defines them (the _IO/_IOR/_IOW/_IOWR rules over {@link #VHOST_VIRTIO} and the argument's size)
 * rather than copied as hex. {@code VhostRequestsTest} checks each against the header.
 */
public final class VhostRequests {
    private VhostRequests() {
    }

    /** {@code VHOST_VIRTIO}, the ioctl type of every vhost request. */
    public static final int VHOST_VIRTIO = 0xAF;

    private static final long U64 = VhostStructs.FEATURES.byteSize();

    /** {@code _IOR(VHOST_VIRTIO, 0x00, __u64)}: the features the kernel's vhost-net supports. */
    public static final long GET_FEATURES = ior(VHOST_VIRTIO, 0x00, U64);
    /** {@code _IOW(VHOST_VIRTIO, 0x00, __u64)}: the negotiated features the rings use. */
    public static final long SET_FEATURES = iow(VHOST_VIRTIO, 0x00, U64);
    /** {@code _IO(VHOST_VIRTIO, 0x01)}: this process becomes the owner (its mm, its worker thread). */
    public static final long SET_OWNER = io(VHOST_VIRTIO, 0x01);
    /** {@code _IO(VHOST_VIRTIO, 0x02)}: releases the owner and every ring setting. */
    public static final long RESET_OWNER = io(VHOST_VIRTIO, 0x02);
    /** {@code _IOW(VHOST_VIRTIO, 0x03, struct vhost_memory)}: the guest-physical to user-space map. */
    public static final long SET_MEM_TABLE = iow(VHOST_VIRTIO, 0x03, VhostStructs.MEMORY.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x10, struct vhost_vring_state)}: ring size. */
    public static final long SET_VRING_NUM = iow(VHOST_VIRTIO, 0x10, VhostStructs.VRING_STATE.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x11, struct vhost_vring_addr)}: ring addresses. */
    public static final long SET_VRING_ADDR = iow(VHOST_VIRTIO, 0x11, VhostStructs.VRING_ADDR.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x12, struct vhost_vring_state)}: the avail index to start from. */
    public static final long SET_VRING_BASE = iow(VHOST_VIRTIO, 0x12, VhostStructs.VRING_STATE.byteSize());
    /** {@code _IOWR(VHOST_VIRTIO, 0x12, struct vhost_vring_state)}: the last avail index processed (stops the ring). */
    public static final long GET_VRING_BASE = iowr(VHOST_VIRTIO, 0x12, VhostStructs.VRING_STATE.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x20, struct vhost_vring_file)}: the eventfd the driver kicks. */
    public static final long SET_VRING_KICK = iow(VHOST_VIRTIO, 0x20, VhostStructs.VRING_FILE.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x21, struct vhost_vring_file)}: the eventfd the worker signals for used buffers. */
    public static final long SET_VRING_CALL = iow(VHOST_VIRTIO, 0x21, VhostStructs.VRING_FILE.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x22, struct vhost_vring_file)}: the eventfd the worker signals on a ring error. */
    public static final long SET_VRING_ERR = iow(VHOST_VIRTIO, 0x22, VhostStructs.VRING_FILE.byteSize());
    /** {@code _IOW(VHOST_VIRTIO, 0x25, __u64)}: the backend (IOTLB message) features to use. */
    public static final long SET_BACKEND_FEATURES = iow(VHOST_VIRTIO, 0x25, U64);
    /** {@code _IOR(VHOST_VIRTIO, 0x26, __u64)}: the backend features the kernel offers. */
    public static final long GET_BACKEND_FEATURES = ior(VHOST_VIRTIO, 0x26, U64);
    /** {@code _IOW(VHOST_VIRTIO, 0x30, struct vhost_vring_file)}: the TAP (or packet socket) fd a ring moves frames through. */
    public static final long NET_SET_BACKEND = iow(VHOST_VIRTIO, 0x30, VhostStructs.VRING_FILE.byteSize());

    /** {@code VHOST_F_LOG_ALL} (vhost_types.h): the kernel can log every write for migration. */
    public static final int F_LOG_ALL = 26;
    /**
     * {@code VHOST_NET_F_VIRTIO_NET_HDR} (vhost_types.h): the kernel adds and strips the
     * virtio-net header itself, for a backend without IFF_VNET_HDR. Not used here: the TAP has the
     * header and the kernel passes it through.
     */
    public static final int NET_F_VIRTIO_NET_HDR = 27;
    /**
     * {@code VHOST_BACKEND_F_IOTLB_MSG_V2} (vhost_types.h): a bit number, like the feature bits;
     * the mask in GET/SET_BACKEND_FEATURES is {@code 1 << 1}.
     */
    public static final int BACKEND_F_IOTLB_MSG_V2 = 0x1;
}
