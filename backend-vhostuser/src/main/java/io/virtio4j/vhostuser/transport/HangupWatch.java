package io.virtio4j.vhostuser.transport;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.notify.NotifierPoller;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;

/**
 * Waits for the peer of a connected socket to hang up, without reading from it: epoll for
 * EPOLLRDHUP/EPOLLHUP only (not EPOLLIN), so replies that another thread is waiting for do not wake
 * it. {@link #wakeup()} ends a wait early (on close). One thread waits at a time. The epoll fd and
 * its wake-up eventfd are an {@link EpollPoller}'s, which owns and closes them.
 */
public final class HangupWatch implements AutoCloseable {
    private static final int SOCKET = 0;
    private final EpollPoller poller;
    private final int[] ready = new int[1];

    public HangupWatch(Platform platform) {
        this.poller = EpollPoller.create(platform, 2);
    }

    /**
     * Blocks until the peer of {@code socketFd} hangs up (or the socket fails), or {@link #wakeup()}.
     *
     * @return true for a hang-up, false for a wake-up
     */
    public boolean await(int socketFd) {
        poller.registerFd(socketFd, SOCKET, LinuxConstants.EPOLLRDHUP);
        try {
            // Without a timeout epoll_wait returns only with something ready. The poller consumes a
            // wake-up itself and reports only the socket's token, so nothing reported is the
            // wake-up; the token is EPOLLRDHUP, or EPOLLHUP/EPOLLERR which epoll always reports.
            return poller.poll(ready, NotifierPoller.WAIT_FOREVER) > 0;
        } finally {
            poller.unregister(SOCKET);
        }
    }

    /** Ends the current (or the next) {@link #await} with false. Any thread. */
    public void wakeup() {
        poller.wakeup();
    }

    /** Closes the epoll fd and the wake-up eventfd; call once no thread waits. */
    @Override
    public void close() {
        poller.close();
    }
}
