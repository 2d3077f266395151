package io.virtio4j.tap;

import static io.virtio4j.tap.TunIoctlNumbers.IFF_MULTI_QUEUE;
import static io.virtio4j.tap.TunIoctlNumbers.IFF_NO_PI;
import static io.virtio4j.tap.TunIoctlNumbers.IFF_TAP;
import static io.virtio4j.tap.TunIoctlNumbers.IFF_VNET_HDR;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_CSUM;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_UFO;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO4;
import static io.virtio4j.tap.TunIoctlNumbers.TUN_F_USO6;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.net.VirtioNetHeader;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kernel TAP device: one fd per queue on {@code /dev/net/tun}. Opening runs, per queue:
 * open(O_RDWR|O_NONBLOCK|O_CLOEXEC), (first queue) TUNGETFEATURES, TUNSETIFF with
 * IFF_TAP|IFF_NO_PI[|IFF_VNET_HDR][|IFF_MULTI_QUEUE][|IFF_TUN_EXCL on the first queue only],
 * TUNSETVNETHDRSZ 12; then probes which GSO offloads the kernel accepts. Setup goes through
 * {@link TunIoctls} (JNA, the ioctls only; open and close through {@link Platform}); frames go through {@link TapQueue} on {@link Platform} readv/writev.
 *
 * <p>The link is not brought up here: moving it to another namespace takes it down anyway, so
 * callers either use {@link #setLinkUp()} or configure it with {@code ip link set ... up}.
 */
public final class TapDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TapDevice.class);

    static final String TUN_PATH = "/dev/net/tun";
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int IFF_TUN_EXCL = 0x8000;
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ENXIO = 6;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;

    private final TunIoctls ioctls;
    private final Platform platform;
    private final String name;
    private final List<TapQueue> queues;
    /** One per queue, in queue order: the device owns the fds its {@link TapQueue}s borrow. */
    private final List<OwnedFd> fds;
    private final TapCapabilities capabilities;
    private final int kernelFeatures;
    private boolean closed;

    private TapDevice(TunIoctls ioctls, Platform platform, String name, List<OwnedFd> fds, List<TapQueue> queues,
                      TapCapabilities capabilities, int kernelFeatures) {
        this.platform = platform;
        this.ioctls = ioctls;
        this.name = name;
        this.fds = List.copyOf(fds);
        this.queues = List.copyOf(queues);
        this.capabilities = capabilities;
        this.kernelFeatures = kernelFeatures;
    }

    /** Opens the TAP of {@code config} on the real kernel. */
    public static TapDevice open(TapConfig config, Platform platform) {
        return open(config, new JnaTunIoctls(), platform);
    }

    /** Opens the TAP of {@code config}; on any failure every fd opened so far is closed. */
    public static TapDevice open(TapConfig config, TunIoctls ioctls, Platform platform) {
        String label = config.name().isEmpty() ? "tap%d" : config.name();
        List<OwnedFd> fds = new ArrayList<>();
        try {
            int firstFd = openTun(platform, label);
            fds.add(OwnedFd.adopt(platform, firstFd));
            int kernelFeatures = kernelFeatures(ioctls, firstFd, label, config);
            String actualName = attach(ioctls, firstFd, config, config.name(), label, config.exclusive());
            for (int q = 1; q < config.queues(); q++) {
                int fd = openTun(platform, actualName);
                fds.add(OwnedFd.adopt(platform, fd));
                // Later queues attach to the device the first one created, never exclusively.
                attach(ioctls, fd, config, actualName, actualName, false);
            }
            TapCapabilities capabilities = new TapCapabilities(config.vnetHeader(),
                    config.vnetHeader() && probeOffload(ioctls, firstFd, TUN_F_CSUM | TUN_F_UFO),
                    config.vnetHeader() && probeOffload(ioctls, firstFd, TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6));
            if (config.vnetHeader()) {
                setOffloads(ioctls, firstFd, actualName, 0);
            }
            List<TapQueue> queues = new ArrayList<>();
            for (int q = 0; q < fds.size(); q++) {
                // The queue borrows the int for its readv/writev; the device keeps the OwnedFd.
                queues.add(new TapQueue(platform, fds.get(q).get(), actualName, q));
            }
            LOG.info("opened TAP {} with {} queue(s), vnet header {}, {}", actualName, fds.size(), config.vnetHeader(), capabilities);
            return new TapDevice(ioctls, platform, actualName, fds, queues, capabilities, kernelFeatures);
        } catch (RuntimeException e) {
            for (OwnedFd fd : fds) {
                fd.closeAfter(e);
            }
            throw e;
        }
    }

    /** Closes {@code fd} where a failed close matters less than what the caller is doing (or throwing). */
    private static void closeQuietly(OwnedFd fd) {
        try {
            fd.close();
        } catch (NativeException e) {
            LOG.debug("close of {} failed: {}", fd, e.getMessage());
        }
    }

    private static int openTun(Platform platform, String label) {
        int errno;
        try {
            return platform.open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        } catch (NativeException e) {
            errno = e.errno();
        }
        throw switch (errno) {
            case ENOENT, ENODEV, ENXIO -> new TapException("opening TAP " + label + ": no " + TUN_PATH
                    + "; load the tun module (modprobe tun) or create the node (mknod " + TUN_PATH + " c 10 200)", errno);
            case EACCES, EPERM -> new TapException("opening TAP " + label + ": no permission on " + TUN_PATH
                    + "; run as root or grant access to the device node", errno);
            default -> new TapException("opening TAP " + label + ": open(" + TUN_PATH + ") failed", errno);
        };
    }

    private static int kernelFeatures(TunIoctls ioctls, int fd, String label, TapConfig config) {
        int[] features = new int[1];
        try {
            ioctls.ioctlIntPointer(fd, TunIoctlNumbers.TUNGETFEATURES, features);
        } catch (NativeException e) {
            throw new TapException("TAP " + label + ": TUNGETFEATURES failed; the tun driver is too old", e.errno());
        }
        int needed = requestedFlags(config) & ~IFF_TUN_EXCL;
        int missing = needed & ~features[0];
        if ((missing & IFF_VNET_HDR) != 0) {
            throw new TapException("TAP " + label + ": the kernel's tun driver lacks IFF_VNET_HDR (features 0x"
                    + Integer.toHexString(features[0]) + "); offloads need it, open without the vnet header", 0);
        }
        if ((missing & IFF_MULTI_QUEUE) != 0) {
            throw new TapException("TAP " + label + ": the kernel's tun driver lacks IFF_MULTI_QUEUE (features 0x"
                    + Integer.toHexString(features[0]) + "); open it with one queue", 0);
        }
        if (missing != 0) {
            throw new TapException("TAP " + label + ": the kernel's tun driver lacks flags 0x" + Integer.toHexString(missing), 0);
        }
        return features[0];
    }

    static int requestedFlags(TapConfig config) {
        int flags = IFF_TAP | IFF_NO_PI;
        if (config.vnetHeader()) {
            flags |= IFF_VNET_HDR;
        }
        if (config.queues() > 1) {
            flags |= IFF_MULTI_QUEUE;
        }
        return flags;
    }

    /** TUNSETIFF then TUNSETVNETHDRSZ on {@code fd}; returns the interface name the kernel chose. */
    private static String attach(TunIoctls ioctls, int fd, TapConfig config, String requestName, String label, boolean exclusive) {
        int flags = requestedFlags(config) | (exclusive ? IFF_TUN_EXCL : 0);
        byte[] ifreq = IfReq.of(requestName, flags);
        try {
            ioctls.ioctlIfreq(fd, TunIoctlNumbers.TUNSETIFF, ifreq);
        } catch (NativeException e) {
            int errno = e.errno();
            throw switch (errno) {
                case EPERM -> new TapException("creating TAP " + label + " needs CAP_NET_ADMIN"
                        + " (or a persistent TAP owned by this user)", errno);
                case EBUSY -> new TapException("TAP " + label + " is in use or exists with incompatible flags"
                        + (exclusive ? " (exclusive create asked for a new device)" : "")
                        + "; requested flags 0x" + Integer.toHexString(flags)
                        + " (multi-queue and vnet header must match the existing device)", errno);
                case EINVAL -> new TapException("TAP " + label + ": TUNSETIFF rejected flags 0x"
                        + Integer.toHexString(flags) + " (a TUN device of that name, or too many queues?)", errno);
                default -> new TapException("TAP " + label + ": TUNSETIFF failed", errno);
            };
        }
        String actualName = IfReq.name(ifreq);
        if (config.vnetHeader()) {
            int[] size = {VirtioNetHeader.SIZE};
            try {
                ioctls.ioctlIntPointer(fd, TunIoctlNumbers.TUNSETVNETHDRSZ, size);
            } catch (NativeException e) {
                throw new TapException("TAP " + actualName + ": TUNSETVNETHDRSZ " + VirtioNetHeader.SIZE + " failed", e.errno());
            }
        }
        return actualName;
    }

    private static boolean probeOffload(TunIoctls ioctls, int fd, int offloads) {
        // The kernel answers EINVAL for TUN_F_* bits it does not know: that is how QEMU probes UFO/USO.
        try {
            ioctls.ioctlValue(fd, TunIoctlNumbers.TUNSETOFFLOAD, offloads);
            return true;
        } catch (NativeException e) {
            return false;
        }
    }

    private static void setOffloads(TunIoctls ioctls, int fd, String name, int offloads) {
        try {
            ioctls.ioctlValue(fd, TunIoctlNumbers.TUNSETOFFLOAD, offloads);
        } catch (NativeException e) {
            throw new TapException("TAP " + name + ": TUNSETOFFLOAD 0x" + Integer.toHexString(offloads) + " rejected", e.errno());
        }
    }

    /**
     * Tells the kernel what the reader of this TAP accepts (TUN_F_* bits, see {@link OffloadMapper}).
     * The setting is per device; any queue's fd carries it.
     */
    public void setOffloads(int tunOffloads) {
        checkOpen();
        int unsupported = tunOffloads & ~supportedOffloads();
        if (unsupported != 0) {
            throw new TapException("TAP " + name + ": offloads 0x" + Integer.toHexString(unsupported)
                    + " not supported here (" + capabilities + ")", 0);
        }
        setOffloads(ioctls, queues.get(0).fd(), name, tunOffloads);
    }

    private int supportedOffloads() {
        if (!capabilities.vnetHeader()) {
            return 0;
        }
        int offloads = TUN_F_CSUM | TunIoctlNumbers.TUN_F_TSO4 | TunIoctlNumbers.TUN_F_TSO6 | TunIoctlNumbers.TUN_F_TSO_ECN;
        if (capabilities.ufo()) {
            offloads |= TUN_F_UFO;
        }
        if (capabilities.uso()) {
            offloads |= TUN_F_USO4 | TUN_F_USO6;
        }
        return offloads;
    }

    /**
     * Attaches or detaches queue {@code index} with TUNSETQUEUE: a detached queue keeps its fd but
     * the kernel stops steering frames to it. This is how a virtio-net device follows the driver's
     * VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET when it uses fewer queue pairs than the TAP has.
     */
    public void setQueueEnabled(int index, boolean enabled) {
        checkOpen();
        if (index < 0 || index >= queues.size()) {
            throw new TapException("TAP " + name + " has no queue " + index + " (it has " + queues.size() + ")", 0);
        }
        if (queues.size() == 1) {
            throw new TapException("TAP " + name + " has one queue: TUNSETQUEUE needs IFF_MULTI_QUEUE", 0);
        }
        byte[] ifreq = IfReq.of("", enabled ? TunIoctlNumbers.IFF_ATTACH_QUEUE : TunIoctlNumbers.IFF_DETACH_QUEUE);
        try {
            ioctls.ioctlIfreq(queues.get(index).fd(), TunIoctlNumbers.TUNSETQUEUE, ifreq);
        } catch (NativeException e) {
            throw new TapException("TAP " + name + ": TUNSETQUEUE " + (enabled ? "attach" : "detach")
                    + " of queue " + index + " failed", e.errno());
        }
    }

    /**
     * Attaches the first {@code count} queues and detaches the rest, so the kernel steers frames only
     * to the queue pairs in use. A queue already in the wanted state is left alone (tun refuses to
     * attach an attached queue or detach a detached one with EINVAL). A one-queue TAP is left as it is.
     */
    public void useQueues(int count) {
        if (count < 1 || count > queues.size()) {
            throw new TapException("TAP " + name + ": cannot use " + count + " of its " + queues.size() + " queues", 0);
        }
        if (queues.size() == 1) {
            return;
        }
        for (int q = 0; q < queues.size(); q++) {
            try {
                setQueueEnabled(q, q < count);
            } catch (TapException e) {
                if (e.errno() != EINVAL) {
                    throw e;
                }
            }
        }
    }

    /** Sets IFF_UP with SIOCGIFFLAGS/SIOCSIFFLAGS on an AF_INET socket (needs CAP_NET_ADMIN in the link's namespace). */
    public void setLinkUp() {
        checkOpen();
        OwnedFd socket;
        try {
            socket = OwnedFd.adopt(platform, platform.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        } catch (NativeException e) {
            throw new TapException("TAP " + name + ": socket(AF_INET) for SIOCSIFFLAGS failed", e.errno());
        }
        try {
            byte[] ifreq = IfReq.of(name, 0);
            try {
                ioctls.ioctlIfreq(socket.get(), TunIoctlNumbers.SIOCGIFFLAGS, ifreq);
            } catch (NativeException e) {
                throw new TapException("TAP " + name + ": SIOCGIFFLAGS failed (link moved to another namespace?)", e.errno());
            }
            IfReq.setFlags(ifreq, IfReq.flags(ifreq) | TunIoctlNumbers.IFF_UP);
            try {
                ioctls.ioctlIfreq(socket.get(), TunIoctlNumbers.SIOCSIFFLAGS, ifreq);
            } catch (NativeException e) {
                throw new TapException("TAP " + name + ": SIOCSIFFLAGS IFF_UP failed", e.errno());
            }
        } finally {
            closeQuietly(socket);
        }
    }

    /** The interface name the kernel gave the TAP. */
    public String name() {
        return name;
    }

    /** Number of queues (fds) this device opened. */
    public int queueCount() {
        return queues.size();
    }

    /** Queue {@code index} (0..{@link #queueCount()} - 1); fails once the device is closed. */
    public TapQueue queue(int index) {
        checkOpen();
        return queues.get(index);
    }

    /** What the TAP supports: vnet header, offloads the kernel accepted (TUNGETFEATURES and the TUNSETOFFLOAD probes). */
    public TapCapabilities capabilities() {
        return capabilities;
    }

    /** The IFF_* bits TUNGETFEATURES reported. */
    public int kernelFeatures() {
        return kernelFeatures;
    }

    private void checkOpen() {
        if (closed) {
            throw new TapException("TAP " + name + " is closed", 0);
        }
    }

    /** Closes every queue fd; a non-persistent TAP disappears with its last fd. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        TapException first = null;
        for (int q = 0; q < fds.size(); q++) {
            try {
                fds.get(q).close();
            } catch (NativeException e) {
                if (first == null) {
                    first = new TapException("TAP " + name + ": close of queue " + q + " failed", e.errno());
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
