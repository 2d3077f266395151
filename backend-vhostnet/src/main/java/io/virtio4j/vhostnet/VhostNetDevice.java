package io.virtio4j.vhostnet;

import static io.virtio4j.vhostnet.bindings.VhostStructs.FEATURES;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR_AVAIL;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR_DESC;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR_FLAGS;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR_INDEX;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR_LOG;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_ADDR_USED;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_FILE;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_FILE_FD;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_FILE_INDEX;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_STATE;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_STATE_INDEX;
import static io.virtio4j.vhostnet.bindings.VhostStructs.VRING_STATE_NUM;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.OptionalLong;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.vhostnet.bindings.VhostRequests;
import io.virtio4j.vhostnet.bindings.VhostStructs;

/**
 * One open {@code /dev/vhost-net}: a kernel vhost-net device with two virtqueues (index 0 receive,
 * 1 transmit) served by a kernel worker thread of the owning process. Each method is one ioctl
 * through {@link Platform} (so unit tests run on a mock), and each refusal becomes a
 * {@link VhostException} whose message names the request and, where there is one, the remedy.
 *
 * <p>Setup calls only, none on a data path: struct arguments are built in one preallocated
 * scratch segment (the largest struct, {@code vhost_vring_addr}), so calls are serialized.
 */
public final class VhostNetDevice implements AutoCloseable {
    /** Where the kernel's vhost-net misc device lives (10, 238). */
    public static final String PATH = "/dev/vhost-net";
    /** Virtqueues of one vhost-net device: one receive and one transmit ring. */
    public static final int RX = 0;
    /** The transmit ring of a vhost-net device (the receive ring is {@link #RX}). */
    public static final int TX = 1;

    private final Platform platform;
    private final OwnedFd device;
    /** The device fd's number, read by every ioctl. */
    private final int fd;
    private final String path;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch = arena.allocate(VRING_ADDR);
    /** Views of scratch with the exact size of each smaller argument (the kernel copies exactly that much). */
    private final MemorySegment u64 = scratch.asSlice(0, FEATURES.byteSize());
    private final MemorySegment state = scratch.asSlice(0, VRING_STATE.byteSize());
    private final MemorySegment file = scratch.asSlice(0, VRING_FILE.byteSize());

    private VhostNetDevice(Platform platform, int fd, String path) {
        this.platform = platform;
        this.device = OwnedFd.adopt(platform, fd);
        this.fd = fd;
        this.path = path;
    }

    /** Opens {@link #PATH}. */
    public static VhostNetDevice open(Platform platform) {
        return open(platform, PATH);
    }

    /** Opens the vhost-net device node at {@code path} read-write and close-on-exec. */
    public static VhostNetDevice open(Platform platform, String path) {
        try {
            return new VhostNetDevice(platform, platform.open(path, LinuxConstants.O_RDWR | LinuxConstants.O_CLOEXEC), path);
        } catch (NativeException e) {
            throw switch (e.errno()) {
                case Errno.ENOENT, Errno.ENODEV, Errno.ENXIO -> new VhostException("no " + path
                        + ": the vhost_net module is not loaded (modprobe vhost_net) or this kernel lacks it"
                        + " (CONFIG_VHOST_NET)", e);
                case Errno.EACCES, Errno.EPERM -> new VhostException("no permission to open " + path
                        + ": run as root or give this user read-write access to the device node", e);
                default -> new VhostException("opening " + path + " failed: " + e.getMessage(), e);
            };
        }
    }

    /** VHOST_GET_FEATURES: the virtio and vhost feature bits this kernel's vhost-net supports. */
    public synchronized long features() {
        checkOpen();
        ioctl("VHOST_GET_FEATURES", VhostRequests.GET_FEATURES, u64);
        // In bounds: u64 is 8 bytes.
        return u64.get(FEATURES, 0);
    }

    /**
     * VHOST_SET_FEATURES. The bits are checked against {@link #features()} first, so a bit the
     * kernel lacks is named instead of surfacing as a bare EOPNOTSUPP.
     */
    public synchronized void setFeatures(long features) {
        long kernel = features();
        long lacking = features & ~kernel;
        if (lacking != 0) {
            throw new VhostException(path + ": this kernel's vhost-net lacks feature(s) " + Features.describe(lacking)
                    + " (it supports 0x" + Long.toHexString(kernel) + ")");
        }
        // In bounds: u64 is 8 bytes.
        u64.set(FEATURES, 0, features);
        ioctl("VHOST_SET_FEATURES", VhostRequests.SET_FEATURES, u64);
    }

    /** VHOST_SET_OWNER: this process owns the device; the kernel starts its worker thread. */
    public synchronized void setOwner() {
        checkOpen();
        try {
            platform.ioctl(fd, VhostRequests.SET_OWNER, 0L);
        } catch (NativeException e) {
            if (e.errno() == Errno.EBUSY) {
                throw new VhostException(path + ": VHOST_SET_OWNER refused: the device already has an owner", e);
            }
            throw failure("VHOST_SET_OWNER", e);
        }
    }

    /** VHOST_RESET_OWNER: stops the worker and forgets rings, memory table and features. */
    public synchronized void resetOwner() {
        checkOpen();
        try {
            platform.ioctl(fd, VhostRequests.RESET_OWNER, 0L);
        } catch (NativeException e) {
            throw failure("VHOST_RESET_OWNER", e);
        }
    }

    /**
     * VHOST_GET_BACKEND_FEATURES, or empty when this kernel does not have the request (ENOTTY:
     * before Linux 5.7 only vhost-vdpa had it).
     */
    public synchronized OptionalLong backendFeatures() {
        checkOpen();
        try {
            platform.ioctl(fd, VhostRequests.GET_BACKEND_FEATURES, u64);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOTTY) {
                return OptionalLong.empty();
            }
            throw failure("VHOST_GET_BACKEND_FEATURES", e);
        }
        // In bounds: u64 is 8 bytes.
        return OptionalLong.of(u64.get(FEATURES, 0));
    }

    /** VHOST_SET_BACKEND_FEATURES (VHOST_BACKEND_F_* bits). */
    public synchronized void setBackendFeatures(long features) {
        checkOpen();
        // In bounds: u64 is 8 bytes.
        u64.set(FEATURES, 0, features);
        ioctl("VHOST_SET_BACKEND_FEATURES", VhostRequests.SET_BACKEND_FEATURES, u64);
    }

    /** VHOST_SET_MEM_TABLE: one region per region of {@code memory} (see {@link VhostMemoryTable}). */
    public synchronized void setMemTable(GuestMemory memory) {
        checkOpen();
        try (Arena table = Arena.ofConfined()) {
            ioctl("VHOST_SET_MEM_TABLE", VhostRequests.SET_MEM_TABLE, VhostMemoryTable.encode(memory, table));
        }
    }

    /** VHOST_SET_VRING_NUM: ring {@code index} has {@code size} descriptors. */
    public synchronized void setVringNum(int index, int size) {
        vringState("VHOST_SET_VRING_NUM", VhostRequests.SET_VRING_NUM, index, size);
    }

    /** VHOST_SET_VRING_BASE: ring {@code index} starts processing at avail index {@code base}. */
    public synchronized void setVringBase(int index, int base) {
        vringState("VHOST_SET_VRING_BASE", VhostRequests.SET_VRING_BASE, index, base);
    }

    /**
     * VHOST_GET_VRING_BASE: stops ring {@code index} and returns the avail index it would process
     * next (what a later SET_VRING_BASE resumes from).
     */
    public synchronized int getVringBase(int index) {
        vringState("VHOST_GET_VRING_BASE", VhostRequests.GET_VRING_BASE, index, 0);
        // In bounds: state is vhost_vring_state's 8 bytes; num is at 4.
        return state.get(ValueLayout.JAVA_INT, VRING_STATE_NUM) & 0xffff;
    }

    private void vringState(String name, long request, int index, int num) {
        checkOpen();
        checkIndex(index);
        // In bounds: state is vhost_vring_state's 8 bytes: index at 0, num at 4.
        state.set(ValueLayout.JAVA_INT, VRING_STATE_INDEX, index);
        state.set(ValueLayout.JAVA_INT, VRING_STATE_NUM, num);
        ioctl(name + " " + index, request, state);
    }

    /**
     * VHOST_SET_VRING_ADDR with this process's virtual addresses of the three ring parts (flags 0:
     * no dirty logging).
     */
    public synchronized void setVringAddr(int index, RingAddresses addresses) {
        checkOpen();
        checkIndex(index);
        // In bounds: scratch was allocated with VRING_ADDR's layout, 40 bytes; every offset below is a field of it.
        scratch.set(ValueLayout.JAVA_INT, VRING_ADDR_INDEX, index);
        scratch.set(ValueLayout.JAVA_INT, VRING_ADDR_FLAGS, 0);
        scratch.set(ValueLayout.JAVA_LONG, VRING_ADDR_DESC, addresses.desc());
        scratch.set(ValueLayout.JAVA_LONG, VRING_ADDR_USED, addresses.used());
        scratch.set(ValueLayout.JAVA_LONG, VRING_ADDR_AVAIL, addresses.avail());
        scratch.set(ValueLayout.JAVA_LONG, VRING_ADDR_LOG, 0L);
        ioctl("VHOST_SET_VRING_ADDR " + index, VhostRequests.SET_VRING_ADDR, scratch);
    }

    /** VHOST_SET_VRING_KICK: the worker polls {@code eventFd} for the driver's notifications. */
    public synchronized void setVringKick(int index, int eventFd) {
        vringFile("VHOST_SET_VRING_KICK", VhostRequests.SET_VRING_KICK, index, eventFd);
    }

    /** VHOST_SET_VRING_CALL: the worker signals {@code eventFd} when the driver wants an interrupt. */
    public synchronized void setVringCall(int index, int eventFd) {
        vringFile("VHOST_SET_VRING_CALL", VhostRequests.SET_VRING_CALL, index, eventFd);
    }

    /** VHOST_SET_VRING_ERR: the worker signals {@code eventFd} when it finds the ring broken. */
    public synchronized void setVringErr(int index, int eventFd) {
        vringFile("VHOST_SET_VRING_ERR", VhostRequests.SET_VRING_ERR, index, eventFd);
    }

    /**
     * VHOST_NET_SET_BACKEND: ring {@code index} moves frames through {@code tapFd} (a TAP queue
     * opened with IFF_VNET_HDR, or a packet socket); {@link VhostStructs#FILE_UNBIND} detaches it
     * and stops the ring.
     */
    public synchronized void setBackend(int index, int tapFd) {
        vringFile("VHOST_NET_SET_BACKEND", VhostRequests.NET_SET_BACKEND, index, tapFd);
    }

    private void vringFile(String name, long request, int index, int fileFd) {
        checkOpen();
        checkIndex(index);
        if (fileFd < VhostStructs.FILE_UNBIND) {
            throw new VhostException(path + ": " + name + " " + index + ": bad fd " + fileFd);
        }
        // In bounds: file is vhost_vring_file's 8 bytes: index at 0, fd at 4.
        this.file.set(ValueLayout.JAVA_INT, VRING_FILE_INDEX, index);
        this.file.set(ValueLayout.JAVA_INT, VRING_FILE_FD, fileFd);
        ioctl(name + " " + index + " fd " + fileFd, request, this.file);
    }

    private void ioctl(String name, long request, MemorySegment arg) {
        try {
            platform.ioctl(fd, request, arg);
        } catch (NativeException e) {
            throw failure(name, e);
        }
    }

    private VhostException failure(String name, NativeException e) {
        String hint = switch (e.errno()) {
            case Errno.ENOTTY -> ": the fd is not a vhost-net device or this kernel does not know the request";
            case Errno.EPERM -> ": this process is not the device's owner (VHOST_SET_OWNER first, from the same process)";
            case Errno.EOPNOTSUPP -> ": this kernel's vhost-net does not support what was asked";
            case Errno.EFAULT -> ": an address is not mapped in this process or lies outside the memory table";
            case Errno.E2BIG -> ": more memory regions than the vhost module's max_mem_regions (default 64)";
            case Errno.EBUSY -> ": the ring is running (stop it with VHOST_NET_SET_BACKEND -1 first)";
            case Errno.ENOBUFS, Errno.EINVAL -> ": the kernel refused the value";
            default -> "";
        };
        return new VhostException(path + ": " + name + " failed: " + e.errnoName() + " (" + e.description() + ")" + hint, e);
    }

    private void checkIndex(int index) {
        if (index != RX && index != TX) {
            throw new VhostException(path + ": vhost-net has rings 0 (rx) and 1 (tx), not " + index);
        }
    }

    private void checkOpen() {
        if (!device.isOpen()) {
            throw new VhostException(path + " (fd " + fd + ") is closed");
        }
    }

    /** The device fd. */
    public int fd() {
        return fd;
    }

    /**
     * Closes the fd: the kernel stops the rings, drops its references to the TAP and the
     * eventfds and ends the worker thread. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (!device.isOpen()) {
            return;
        }
        try {
            device.close();
        } catch (NativeException e) {
            throw new VhostException(path + ": close of fd " + fd + " failed", e);
        } finally {
            arena.close();
        }
    }
}
