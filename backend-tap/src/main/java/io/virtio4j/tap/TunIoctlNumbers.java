package io.virtio4j.tap;

/**
 * Request numbers and flag bits of {@code /usr/include/linux/if_tun.h}, computed with the kernel's
 * {@code _IOC} rule (asm-generic/ioctl.h, used by x86-64): {@code dir << 30 | size << 16 | type << 8 | nr}
 * with dir {@code _IOC_WRITE = 1}, {@code _IOC_READ = 2}. A test parses the installed header and
 * checks every number here against it.
 */
public final class TunIoctlNumbers {
    private TunIoctlNumbers() {
    }

    static final int IOC_WRITE = 1;
    static final int IOC_READ = 2;
    private static final int SIZEOF_INT = 4;

    /** {@code _IOC(dir, type, nr, size)}. */
    static long ioc(int dir, char type, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    /** {@code TUNSETIFF _IOW('T', 202, int)}: argument is a {@code struct ifreq *}. */
    public static final long TUNSETIFF = ioc(IOC_WRITE, 'T', 202, SIZEOF_INT);
    /** {@code TUNGETFEATURES _IOR('T', 207, unsigned int)}: argument is an {@code unsigned int *}. */
    public static final long TUNGETFEATURES = ioc(IOC_READ, 'T', 207, SIZEOF_INT);
    /** {@code TUNSETOFFLOAD _IOW('T', 208, unsigned int)}: argument is the TUN_F_* bits by value. */
    public static final long TUNSETOFFLOAD = ioc(IOC_WRITE, 'T', 208, SIZEOF_INT);
    /** {@code TUNGETIFF _IOR('T', 210, unsigned int)}: argument is a {@code struct ifreq *}. */
    public static final long TUNGETIFF = ioc(IOC_READ, 'T', 210, SIZEOF_INT);
    /** {@code TUNGETVNETHDRSZ _IOR('T', 215, int)}: argument is an {@code int *}. */
    public static final long TUNGETVNETHDRSZ = ioc(IOC_READ, 'T', 215, SIZEOF_INT);
    /** {@code TUNSETVNETHDRSZ _IOW('T', 216, int)}: argument is an {@code int *}. */
    public static final long TUNSETVNETHDRSZ = ioc(IOC_WRITE, 'T', 216, SIZEOF_INT);
    /** {@code TUNSETQUEUE _IOW('T', 217, int)}: argument is a {@code struct ifreq *}. */
    public static final long TUNSETQUEUE = ioc(IOC_WRITE, 'T', 217, SIZEOF_INT);

    /** {@code SIOCGIFFLAGS} (linux/sockios.h): get {@code ifr_flags}. */
    public static final long SIOCGIFFLAGS = 0x8913;
    /** {@code SIOCSIFFLAGS} (linux/sockios.h): set {@code ifr_flags}. */
    public static final long SIOCSIFFLAGS = 0x8914;
    /** {@code IFF_UP} (linux/if.h). */
    public static final int IFF_UP = 0x1;

    // TUNSETIFF flags (ifr_flags).
    /** {@code IFF_TUN}: an IP-level (TUN) device. */
    public static final int IFF_TUN = 0x0001;
    /** {@code IFF_TAP}: an Ethernet-level (TAP) device. */
    public static final int IFF_TAP = 0x0002;
    /** {@code IFF_MULTI_QUEUE}: one fd per queue, each TUNSETIFF on a new fd adds one. */
    public static final int IFF_MULTI_QUEUE = 0x0100;
    /** TUNSETQUEUE: put a detached queue back into the device's transmit selection. */
    public static final int IFF_ATTACH_QUEUE = 0x0200;
    /** TUNSETQUEUE: take a queue out of transmit selection (its fd stays open). */
    public static final int IFF_DETACH_QUEUE = 0x0400;
    /** {@code IFF_NO_PI}: no 4-byte packet-information prefix. */
    public static final int IFF_NO_PI = 0x1000;
    /** {@code IFF_VNET_HDR}: every frame carries a virtio-net header (offloads). */
    public static final int IFF_VNET_HDR = 0x4000;

    // TUNSETOFFLOAD bits. USO4/USO6 arrived in Linux 6.2 and are absent from older installed headers.
    /** {@code TUN_F_CSUM}: the reader takes frames with partial checksums. */
    public static final int TUN_F_CSUM = 0x01;
    /** {@code TUN_F_TSO4}: the reader takes TCPv4 GSO super-frames. */
    public static final int TUN_F_TSO4 = 0x02;
    /** {@code TUN_F_TSO6}: the reader takes TCPv6 GSO super-frames. */
    public static final int TUN_F_TSO6 = 0x04;
    /** {@code TUN_F_TSO_ECN}: TSO frames may carry ECN (CWR). */
    public static final int TUN_F_TSO_ECN = 0x08;
    /** {@code TUN_F_UFO}: the reader takes UDP fragmentation offload frames. */
    public static final int TUN_F_UFO = 0x10;
    /** {@code TUN_F_USO4}: the reader takes UDPv4 segmentation offload frames (Linux 6.2). */
    public static final int TUN_F_USO4 = 0x20;
    /** {@code TUN_F_USO6}: the reader takes UDPv6 segmentation offload frames (Linux 6.2). */
    public static final int TUN_F_USO6 = 0x40;
}
