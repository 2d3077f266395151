package io.virtio4j.api.platform;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file descriptor and the duty to close it, as Rust's {@code std::os::fd::OwnedFd}: whoever holds
 * the {@code OwnedFd} closes the fd, exactly once, unless it hands the fd over first.
 *
 * <p>An {@code OwnedFd} is in one of three states, changed by one atomic step each so that racing
 * threads agree on who closes: <em>open</em>; <em>closed</em> ({@link #close()}, idempotent: only the
 * first call reaches {@code close(2)}); <em>released</em> ({@link #release()}: the raw fd now belongs
 * to someone else, a peer it was sent to, another owner, and this object never closes it). Linux
 * reuses fd numbers at once, so a second close, or a close after hand-over, could close an unrelated
 * file another thread has just opened: that is the bug this type rules out.
 *
 * <p>The hot path does not go through this object: a holder reads {@link #get()} once when it is set
 * up and keeps the int, as Rust code borrows a {@code BorrowedFd} for as long as the owner lives. The
 * holder must then close only after no thread can still use that int.
 *
 * <p>Leaks are detected, not repaired: an {@code OwnedFd} that becomes unreachable while still open
 * is counted in {@link #leaked()} and logged with its fd number. It is deliberately not closed then: a
 * raw copy of the number may still be in use (registered in an epoll set, handed to the kernel), and
 * closing behind its back is worse than the leak. Tests assert the count did not grow.
 */
public final class OwnedFd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnedFd.class);
    private static final Cleaner LEAK_WATCH = Cleaner.create();
    private static final AtomicLong LEAKED = new AtomicLong();
    /** Tests watch for one fd's leak report here; null in production. */
    static volatile IntConsumer leakObserver;

    private static final int CLOSED = -1;
    private static final int RELEASED = -2;

    private final Platform platform;
    /** The fd while open, else {@link #CLOSED} or {@link #RELEASED}; shared with the leak watch. */
    private final AtomicInteger state;
    private final int number;
    private final Cleaner.Cleanable watch;

    private OwnedFd(Platform platform, int fd) {
        this.platform = platform;
        this.state = new AtomicInteger(fd);
        this.number = fd;
        this.watch = LEAK_WATCH.register(this, new LeakCheck(state, fd));
    }

    /**
     * Takes ownership of {@code fd}, an open descriptor nobody else will close (just returned by a
     * syscall, or received over SCM_RIGHTS); {@link #close()} closes it through {@code platform}.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public static OwnedFd adopt(Platform platform, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("cannot own fd " + fd);
        }
        return new OwnedFd(platform, fd);
    }

    /**
     * The fd, to use while this object owns it.
     *
     * @throws IllegalStateException once it was closed or released
     */
    public int get() {
        int fd = state.get();
        if (fd < 0) {
            throw new IllegalStateException("fd " + number + " was " + (fd == CLOSED ? "closed" : "handed over"));
        }
        return fd;
    }

    /** The fd while open, else -1: for accessors that report "no fd" as -1, and for diagnostics. */
    public int raw() {
        return Math.max(state.get(), -1);
    }

    /** Whether this object still owns an open fd (neither closed nor released). */
    public boolean isOpen() {
        return state.get() >= 0;
    }

    /**
     * Hands the fd over, as Rust's {@code into_raw_fd}: returns it and gives up the duty to close it,
     * which passes to the caller (who sends it to a peer, gives it to the kernel that keeps it, or
     * adopts it in another {@code OwnedFd}). Later {@link #close()} calls do nothing.
     *
     * @throws IllegalStateException if it was already closed or released
     */
    public int release() {
        int fd = state.get();
        if (fd < 0 || !state.compareAndSet(fd, RELEASED)) {
            throw new IllegalStateException("fd " + number + " is no longer owned here");
        }
        watch.clean();
        return fd;
    }

    /**
     * Closes the fd if this object still owns it; the first call closes it, later calls (and calls
     * after {@link #release()}) do nothing, from any thread.
     *
     * @throws NativeException if {@code close(2)} fails; the fd is released by the kernel even then
     *                         and is not closed again
     */
    @Override
    public void close() {
        int fd = state.get();
        if (fd >= 0 && state.compareAndSet(fd, CLOSED)) {
            watch.clean();
            platform.close(fd);
        }
    }

    /**
     * {@link #close()} on a failure path: a close error is added to {@code cause} as suppressed
     * instead of replacing it, so the first failure is the one reported.
     */
    public void closeAfter(Throwable cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** How many {@code OwnedFd}s in this JVM became unreachable while still owning an open fd. */
    public static long leaked() {
        return LEAKED.get();
    }

    @Override
    public String toString() {
        int fd = state.get();
        return "OwnedFd[" + number + (fd >= 0 ? "" : fd == CLOSED ? ", closed" : ", handed over") + "]";
    }

    /** Runs when the owner became unreachable, or when it closed or released (then a no-op). */
    private record LeakCheck(AtomicInteger state, int fd) implements Runnable {
        @Override
        public void run() {
            if (state.get() >= 0) {
                LEAKED.incrementAndGet();
                LOG.warn("fd {} leaked: its OwnedFd was dropped without close() or release()", fd);
                IntConsumer observer = leakObserver;
                if (observer != null) {
                    observer.accept(fd);
                }
            }
        }
    }
}
