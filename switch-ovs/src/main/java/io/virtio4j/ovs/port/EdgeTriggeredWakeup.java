package io.virtio4j.ovs.port;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;

/**
 * The wake-up of a port whose frames arrive on one kernel fd (a TAP, a VXLAN port's UDP socket):
 * the fd registered once per epoll set, edge-triggered, so nobody has to read it to re-arm it and
 * a frame queued after the last empty read is an edge. Used by the owning PMD's thread only.
 */
public final class EdgeTriggeredWakeup {
    private final String port;
    private final String what;
    private boolean registered;

    /** The wake-up of port {@code port}, whose fd is its {@code what} (for errors: "TAP fd 12"). */
    public EdgeTriggeredWakeup(String port, String what) {
        this.port = port;
        this.what = what;
    }

    /** Registers {@code fd} with {@code poller} under {@code token} unless it is already (and the port is open). */
    public void sync(EpollPoller poller, int token, int fd, boolean open) {
        if (registered || !open) {
            return;
        }
        try {
            // The fd is the port's own and stays open until close, after the PMDs stop.
            poller.registerFd(fd, token, LinuxConstants.EPOLLIN | LinuxConstants.EPOLLET);
            registered = true;
        } catch (NativeException e) {
            throw new PortException("port " + port + ": epoll refused " + what + " " + fd + ": " + e.getMessage(), e);
        }
    }

    /** The PMD moved to another epoll set: register again on the next {@link #sync}. */
    public void reset() {
        registered = false;
    }
}
