package io.virtio4j.vhostuser.transport;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.EpollEvent;

/**
 * Waits for the peer of a connected socket to hang up, without reading from it: epoll for
 * EPOLLRDHUP/EPOLLHUP only (not EPOLLIN), so replies that another thread is waiting for do not wake
 * it. {@link #wakeup()} ends a wait early (on close). One thread waits at a time.
 */
public final class HangupWatch implements AutoCloseable {
    private static final long WAKEUP = -1;
    private static final long SOCKET = 0;
    private final Platform platform;
    private final int epfd;
    private final EventfdNotifier wakeup;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = arena.allocate(EpollEvent.LAYOUT, 2);

    public HangupWatch(Platform platform) {
        this.platform = platform;
        this.epfd = platform.epollCreate();
        EventfdNotifier w = null;
        try {
            w = EventfdNotifier.create(platform);
            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_ADD, w.fd(), LinuxConstants.EPOLLIN, WAKEUP);
        } catch (RuntimeException e) {
            if (w != null) {
                w.close();
            }
            platform.close(epfd);
            arena.close();
            throw e;
        }
        this.wakeup = w;
    }

    /**
     * Blocks until the peer of {@code socketFd} hangs up (or the socket fails), or {@link #wakeup()}.
     *
     * @return true for a hang-up, false for a wake-up
     */
    public boolean await(int socketFd) {
        platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_ADD, socketFd, LinuxConstants.EPOLLRDHUP, SOCKET);
        try {
            while (true) {
                // In bounds: at most 2 events, the capacity of the events buffer.
                int n = platform.epollWait(epfd, events, 2, -1);
                for (int i = 0; i < n; i++) {
                    if (EpollEvent.data(events, i) == WAKEUP) {
                        wakeup.consume();
                        return false;
                    }
                }
                if (n > 0) {
                    return true; // EPOLLRDHUP, or EPOLLHUP/EPOLLERR which epoll always reports
                }
            }
        } finally {
            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_DEL, socketFd, 0, SOCKET);
        }
    }

    /** Ends the current (or the next) {@link #await} with false. Any thread. */
    public void wakeup() {
        wakeup.signal();
    }

    /** Closes the epoll fd and the wake-up eventfd; call once no thread waits. */
    @Override
    public void close() {
        wakeup.close();
        platform.close(epfd);
        arena.close();
    }
}
