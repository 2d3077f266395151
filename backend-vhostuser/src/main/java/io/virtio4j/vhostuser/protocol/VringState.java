package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.net.CallSignaller;
import io.virtio4j.vhostuser.transport.Fds;

import io.virtio4j.api.memory.DirtyLog;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;

/**
 * What the front-end has told the back-end about one virtqueue. Addresses are guest-physical
 * (translated from the front-end's virtual addresses when SET_VRING_ADDR arrived). File descriptors
 * are owned: replacing one closes the old one, {@link #reset} closes all.
 */
public final class VringState {
    /** The largest split-ring size virtio allows. */
    public static final int MAX_SIZE = 32768;

    private final int index;
    private int size;
    private long descAddress;
    private long availAddress;
    private long usedAddress;
    private long userDesc;
    private long userAvail;
    private long userUsed;
    private boolean addressesSet;
    private int base;
    /** The ring's eventfds, null when none was given. */
    private OwnedFd kick;
    private boolean kickReceived;
    private OwnedFd call;
    private OwnedFd err;
    private boolean enabled;
    private boolean running;
    private DirtyLog dirtyLog;
    private final Platform platform;
    private CallSignaller signaller;

    public VringState(int index, Platform platform) {
        this.index = index;
        this.platform = platform;
    }

    /** The platform the ring's fds are closed through. */
    Platform platform() {
        return platform;
    }

    /** Who writes this ring's call fd for the data path (the session's signaller thread), or null. */
    public CallSignaller signaller() {
        return signaller;
    }

    public void signaller(CallSignaller signaller) {
        this.signaller = signaller;
    }

    /** The ring index (rx_n = 2n, tx_n = 2n + 1). */
    public int index() {
        return index;
    }

    /** Queue size (number of descriptors), 0 until SET_VRING_NUM. */
    public int size() {
        return size;
    }

    public void size(int size) {
        this.size = size;
        this.addressesSet = false;
    }

    /** Guest-physical address of the descriptor table, once translated at start. */
    public long descAddress() {
        return descAddress;
    }

    /** Guest-physical address of the available ring, once translated at start. */
    public long availAddress() {
        return availAddress;
    }

    /** Guest-physical address of the used ring, once translated at start. */
    public long usedAddress() {
        return usedAddress;
    }

    /** Records the front-end virtual addresses of SET_VRING_ADDR; translated at start. */
    void userAddresses(long desc, long avail, long used) {
        this.userDesc = desc;
        this.userAvail = avail;
        this.userUsed = used;
        this.addressesSet = true;
    }

    /** Records the guest-physical ring addresses, proven mapped by the caller. */
    public void guestAddresses(long desc, long avail, long used) {
        this.descAddress = desc;
        this.availAddress = avail;
        this.usedAddress = used;
    }

    long userDesc() {
        return userDesc;
    }

    long userAvail() {
        return userAvail;
    }

    long userUsed() {
        return userUsed;
    }

    /** Whether SET_VRING_ADDR came after the last SET_VRING_NUM. */
    public boolean addressesSet() {
        return addressesSet;
    }

    /** The next avail index to process (SET_VRING_BASE; reported back by GET_VRING_BASE). */
    public int base() {
        return base;
    }

    public void base(int base) {
        this.base = base;
    }

    /** The kick eventfd, or -1 when the front-end asked for polling (NOFD). */
    public int kickFd() {
        return Fds.number(kick);
    }

    void kick(int fd) {
        kick = Fds.replace(platform, kick, fd);
        kickReceived = true;
    }

    boolean kickReceived() {
        return kickReceived;
    }

    /** The call eventfd, or -1 when none was given. */
    public int callFd() {
        return Fds.number(call);
    }

    public void call(int fd) {
        call = Fds.replace(platform, call, fd);
    }

    /** The error eventfd, or -1. */
    public int errFd() {
        return Fds.number(err);
    }

    void err(int fd) {
        err = Fds.replace(platform, err, fd);
    }

    /** Whether SET_VRING_ENABLE enabled the ring. */
    public boolean enabled() {
        return enabled;
    }

    void enabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Where the data path must report used-ring writes while migrating, or null when not logging. */
    public DirtyLog dirtyLog() {
        return dirtyLog;
    }

    void dirtyLog(DirtyLog log) {
        this.dirtyLog = log;
    }

    /** Whether the data path may process this ring now. */
    public boolean running() {
        return running;
    }

    void running(boolean running) {
        this.running = running;
    }

    /** Stops the ring as GET_VRING_BASE requires: the kick fd is dropped, a new one restarts it. */
    void stop() {
        running = false;
        kick = Fds.replace(platform, kick, -1);
        kickReceived = false;
    }

    /** Back to the initial state, every fd closed. */
    public void reset() {
        stop();
        call = Fds.replace(platform, call, -1);
        err = Fds.replace(platform, err, -1);
        size = 0;
        base = 0;
        addressesSet = false;
        enabled = false;
    }
}
