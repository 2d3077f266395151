package io.virtio4j.api.notify;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.EpollEvent;

/**
 * A {@link NotifierPoller} over a real epoll instance: eventfd notifiers and raw fds (TAP, sockets)
 * in one wait. Each registration's token travels in {@code epoll_event.data}, so a ready event maps
 * to its token without a lookup. {@link #wakeup()} signals an internal eventfd registered under a
 * reserved data value that no token can take (tokens are non-negative ints).
 *
 * <p>{@link #poll} allocates nothing: the events buffer is allocated once, sized by the capacity.
 * Close the poller only after the polling thread has left {@link #poll} (call {@link #wakeup()}
 * first): closing an epoll fd does not wake a thread blocked on it.
 */
public final class EpollPoller implements NotifierPoller {
    private static final Logger LOG = LoggerFactory.getLogger(EpollPoller.class);

    /** Events per epoll_wait when no capacity is given. */
    public static final int DEFAULT_CAPACITY = 64;
    /** The data value of the internal wakeup eventfd; tokens are non-negative, so never a token. */
    private static final long WAKEUP_DATA = -1L;

    private final Platform platform;
    /** Owns the epoll fd; {@link #epfd} is its number, read on every poll. */
    private final OwnedFd epoll;
    private final int epfd;
    private final EventfdNotifier wakeup;
    private final int capacity;
    private final MemorySegment events;
    /** token -> fd, for EPOLL_CTL_DEL; guarded by this. */
    private final Map<Integer, Integer> fdByToken = new HashMap<>();

    private EpollPoller(Platform platform, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.platform = platform;
        this.capacity = capacity;
        this.events = Arena.ofAuto().allocate(EpollEvent.LAYOUT, capacity);
        this.epoll = OwnedFd.adopt(platform, platform.epollCreate());
        this.epfd = epoll.get();
        EventfdNotifier w = null;
        try {
            w = EventfdNotifier.create(platform);
            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_ADD, w.fd(), LinuxConstants.EPOLLIN, WAKEUP_DATA);
        } catch (RuntimeException e) {
            if (w != null) {
                w.close();
            }
            epoll.closeAfter(e);
            throw e;
        }
        this.wakeup = w;
    }

    /** A poller on the Linux platform with {@link #DEFAULT_CAPACITY} events per wait. */
    public static EpollPoller create() {
        return create(Platform.linux(), DEFAULT_CAPACITY);
    }

    /** A poller through {@code platform} reporting up to {@code capacity} events per wait. */
    public static EpollPoller create(Platform platform, int capacity) {
        return new EpollPoller(platform, capacity);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the notifier has no fd (use {@link InMemoryPoller})
     */
    @Override
    public void register(EventNotifier notifier, int token) {
        int fd = notifier.fd();
        if (fd < 0) {
            throw new IllegalArgumentException(notifier + " has no fd; epoll can only wait on fd-backed notifiers");
        }
        registerFd(fd, token, LinuxConstants.EPOLLIN);
    }

    @Override
    public void registerFd(int fd, int token) {
        registerFd(fd, token, LinuxConstants.EPOLLIN);
    }

    /**
     * Watches {@code fd} for {@code epollEvents} (e.g. EPOLLOUT to learn when a full TAP device can
     * take frames again) under {@code token}. EPOLLERR and EPOLLHUP are always reported.
     *
     * @throws NativeException if epoll refuses the fd (EBADF, EEXIST when it is already registered,
     *                         EPERM for a regular file)
     */
    public synchronized void registerFd(int fd, int token, int epollEvents) {
        checkOpen();
        if (token < 0) {
            throw new IllegalArgumentException("token must be non-negative, got " + token);
        }
        if (fdByToken.containsKey(token)) {
            throw new IllegalArgumentException("token " + token + " is already registered (fd " + fdByToken.get(token) + ")");
        }
        platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_ADD, fd, epollEvents, token);
        fdByToken.put(token, fd);
    }

    /**
     * {@inheritDoc}
     *
     * <p>If the fd was already closed, epoll dropped it by itself; that is not an error.
     */
    @Override
    public synchronized boolean unregister(int token) {
        checkOpen();
        Integer fd = fdByToken.remove(token);
        if (fd == null) {
            return false;
        }
        try {
            platform.epollCtl(epfd, LinuxConstants.EPOLL_CTL_DEL, fd, 0, 0);
        } catch (NativeException e) {
            if (e.errno() != Errno.EBADF && e.errno() != Errno.ENOENT) {
                throw e;
            }
            LOG.debug("token {}: fd {} was closed before it was unregistered ({})", token, fd, e.errnoName());
        }
        return true;
    }

    @Override
    public int poll(int[] readyTokens, int timeoutMillis) {
        checkOpen();
        if (readyTokens.length == 0) {
            throw new IllegalArgumentException("readyTokens has no room");
        }
        int max = Math.min(readyTokens.length, capacity);
        int n = platform.epollWait(epfd, events, max, timeoutMillis);
        int ready = 0;
        for (int i = 0; i < n; i++) {
            // In bounds: i < n <= max <= capacity, the number of events the buffer holds.
            long data = EpollEvent.data(events, i);
            if (data == WAKEUP_DATA) {
                wakeup.consume();
            } else {
                readyTokens[ready++] = (int) data;
            }
        }
        return ready;
    }

    @Override
    public void wakeup() {
        wakeup.signal();
    }

    /** The epoll fd (for diagnostics and for nesting in another epoll set). */
    public int fd() {
        return epfd;
    }

    /** How many tokens are registered. */
    public synchronized int size() {
        return fdByToken.size();
    }

    @Override
    public void close() {
        try {
            epoll.close();
        } finally {
            wakeup.close();
        }
    }

    private void checkOpen() {
        if (!epoll.isOpen()) {
            throw new IllegalStateException("epoll poller is closed");
        }
    }
}
