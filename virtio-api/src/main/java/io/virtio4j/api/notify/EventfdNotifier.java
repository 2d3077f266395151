package io.virtio4j.api.notify;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;

/**
 * An {@link EventNotifier} over a Linux eventfd: the kick/call fd that KVM (ioeventfd, irqfd),
 * vhost-net and vhost-user peers understand.
 *
 * <p>The fd is always non-blocking: {@link #signal()} writes the 8-byte value 1 (the kernel adds it
 * to the counter; a counter already at its maximum is already signalled, so EAGAIN is success) and
 * {@link #consume()} reads and clears the counter, or returns 0 when nothing is pending. Neither
 * allocates: the value 1 is one read-only segment shared by all notifiers, and each notifier has its
 * own 8-byte read buffer. Signals may come from any thread; {@code consume} from one thread at a
 * time (it has one buffer), which is how a queue's poll loop uses it.
 *
 * <p>The notifier owns its fd. Close it only once no thread can still signal or consume: Linux
 * reuses fd numbers, so a signal racing a close could land on whatever file gets the number next.
 */
public final class EventfdNotifier implements EventNotifier {
    /** The 8-byte value 1 every signal writes; written once here, only read afterwards. */
    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private static final long EVENTFD_VALUE_SIZE = 8;

    private final Platform platform;
    private final OwnedFd fd;
    /** Receives the counter on consume; one per notifier so concurrent notifiers never share it. */
    private final MemorySegment counter = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);

    private EventfdNotifier(Platform platform, OwnedFd fd) {
        this.platform = platform;
        this.fd = fd;
    }

    /** A new eventfd (EFD_NONBLOCK | EFD_CLOEXEC, counter 0) on the Linux platform. */
    public static EventfdNotifier create() {
        return create(Platform.linux());
    }

    /** A new eventfd (EFD_NONBLOCK | EFD_CLOEXEC, counter 0) through {@code platform}. */
    public static EventfdNotifier create(Platform platform) {
        int fd = platform.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        return new EventfdNotifier(platform, OwnedFd.adopt(platform, fd));
    }

    /**
     * Takes ownership of an eventfd received from elsewhere (a vhost-user SET_VRING_KICK message,
     * a hypervisor). The fd is switched to non-blocking so {@link #consume()} can never stall the
     * caller; if that fails (not an open fd) the fd is closed and the error thrown, so an adopted
     * fd is never leaked. Whether it is really an eventfd shows on the first consume, which checks
     * that exactly 8 bytes were read.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws NativeException          if {@code fd} is not an open file descriptor
     */
    public static EventfdNotifier adopt(Platform platform, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("cannot adopt fd " + fd);
        }
        OwnedFd owned = OwnedFd.adopt(platform, fd);
        try {
            int flags = platform.fcntl(fd, LinuxConstants.F_GETFL, 0);
            if ((flags & LinuxConstants.O_NONBLOCK) == 0) {
                platform.fcntl(fd, LinuxConstants.F_SETFL, flags | LinuxConstants.O_NONBLOCK);
            }
        } catch (RuntimeException e) {
            owned.closeAfter(e);
            throw e;
        }
        return new EventfdNotifier(platform, owned);
    }

    @Override
    public void signal() {
        int current = openFd();
        // In bounds: ONE is exactly the 8 bytes written.
        platform.write(current, ONE, EVENTFD_VALUE_SIZE);
        // WOULD_BLOCK: the counter is at its maximum (0xfffffffffffffffe), i.e. already signalled.
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if the fd returned other than 8 bytes (it is not an eventfd),
     *                               or the notifier is closed
     */
    @Override
    public long consume() {
        int current = openFd();
        // In bounds: counter is exactly the 8 bytes read.
        long n = platform.read(current, counter, EVENTFD_VALUE_SIZE);
        if (n == Platform.WOULD_BLOCK) {
            return 0;
        }
        if (n != EVENTFD_VALUE_SIZE) {
            throw new IllegalStateException("fd " + current + " is not an eventfd: read returned " + n + " bytes, not 8");
        }
        return counter.get(ValueLayout.JAVA_LONG, 0);
    }

    @Override
    public int fd() {
        return fd.raw();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return !fd.isOpen();
    }

    /** Closes the eventfd; the first call closes it, later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    private int openFd() {
        int current = fd.raw();
        if (current < 0) {
            throw new IllegalStateException("eventfd notifier is closed");
        }
        return current;
    }

    @Override
    public String toString() {
        return "EventfdNotifier[fd=" + fd.raw() + "]";
    }
}
