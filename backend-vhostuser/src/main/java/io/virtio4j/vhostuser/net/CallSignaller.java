package io.virtio4j.vhostuser.net;

import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.transport.Fds;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.IoVec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one session's call eventfds on a thread of its own, so that a write that blocks stops
 * nobody but that session.
 *
 * <p>Why a thread: an eventfd write blocks when the counter would pass 0xfffffffffffffffe and the
 * file is not O_NONBLOCK. The front-end shares the open file description, so it can clear
 * O_NONBLOCK and fill the counter at any moment (no flag or poll checked before the write closes
 * that race, and Linux has no per-call "don't block" for an eventfd write). The data path therefore
 * never writes a call fd: {@link #signal} sets the ring's bit and unparks this thread (no lock, no
 * allocation, never blocks), and only this thread can block.
 *
 * <p>A write stuck for longer than {@link #STALL} marks the session broken (its owner's stall
 * handler drops the connection: counted and logged). At {@link #close} a stuck write is released by
 * reading the eventfd's counter back to 0 with {@code preadv2(RWF_NOWAIT)}, which cannot block
 * whatever O_NONBLOCK says; the thread then closes its fds and ends.
 *
 * <p>The thread writes through its own duplicates of the call fds, closed only by itself (or by
 * {@link #detach} when no write is in flight on them), so a descriptor is never closed and reused
 * under a write in progress.
 */
public final class CallSignaller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CallSignaller.class);
    private static final RateLimitedLog FAILURES = new RateLimitedLog(LOG, 1_000_000_000L);
    /**
     * How long one call-fd write may take before the session counts as broken: far longer than a
     * busy machine keeps a runnable thread waiting, so only a write blocked in the kernel reaches it.
     */
    public static final long STALL = Duration.ofSeconds(2).toNanos();
    /** How long {@link #close} keeps releasing a stuck write before it gives the thread up. */
    private static final long RELEASE_TIMEOUT = Duration.ofSeconds(2).toNanos();
    /** Rings a session can have: the ring index of SET_VRING_CALL is 8 bits. */
    static final int MAX_RINGS = 256;
    private static final VarHandle PENDING = MethodHandles.arrayElementVarHandle(long[].class);

    private final Platform platform;
    private final Runnable onStall;
    private volatile String name;
    /** One bit per ring with a signal to deliver; set by data-path threads, cleared by the signaller. */
    private final long[] pending = new long[MAX_RINGS / 64];
    /** The signaller's duplicate of each ring's call fd, or -1. Guarded by this. */
    private final int[] fds = new int[MAX_RINGS];
    /** The fd being written, or -1. Guarded by this; detach leaves it open and lists it in retired. */
    private int inFlight = -1;
    /**
     * Rings whose signal found no fd: asked for while the ring ran, taken after the session
     * detached its fd (a SET_VRING_CALL swapping the fd of a running ring stops and restarts it).
     * The next {@link #attach} delivers it to the new fd, so no interrupt the driver waits for is
     * lost (with EVENT_IDX it would not be asked for again). Guarded by this.
     */
    private final boolean[] undelivered = new boolean[MAX_RINGS];
    /** Fds detached while a write on them was in flight: the signaller closes them after it. Guarded by this. */
    private final List<Integer> retired = new ArrayList<>();
    /** When the write in flight started (never 0 while one is), or 0. */
    private volatile long writeSince;
    private volatile boolean parked;
    private volatile boolean stopping;
    private final AtomicBoolean stalled = new AtomicBoolean();
    private Thread thread;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
    private long failures;

    /** A signaller writing through {@code platform}; {@code onStall} runs once if a write stalls. */
    public CallSignaller(Platform platform, String name, Runnable onStall) {
        this.platform = platform;
        this.name = name;
        this.onStall = onStall;
        java.util.Arrays.fill(fds, -1);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    public void name(String name) {
        this.name = name;
    }

    /**
     * Ring {@code ring} signals {@code callFd} from now on (a duplicate is kept: the caller keeps
     * its own). Session thread only.
     */
    public void attach(int ring, int callFd) {
        int dup = platform.dup(callFd);
        try {
            // The common case never blocks; the peer can undo it, which is why a thread writes.
            int flags = platform.fcntl(dup, LinuxConstants.F_GETFL, 0);
            platform.fcntl(dup, LinuxConstants.F_SETFL, flags | LinuxConstants.O_NONBLOCK);
        } catch (NativeException e) {
            Fds.close(platform, dup);
            throw VhostUserException.syscall("call fd of ring " + ring, e);
        }
        synchronized (this) {
            if (stopping) {
                Fds.close(platform, dup);
                return;
            }
            detachLocked(ring);
            fds[ring] = dup;
            if (thread == null) {
                thread = Thread.ofPlatform().name("vhost-user-call " + name).daemon().unstarted(this::run);
                thread.start();
            }
            if (undelivered[ring]) {
                undelivered[ring] = false;
                PENDING.getAndBitwiseOr(pending, ring >>> 6, 1L << ring);
                LockSupport.unpark(thread);
            }
        }
    }

    /** Ring {@code ring} signals nothing any more. Session thread only. */
    public synchronized void detach(int ring) {
        detachLocked(ring);
    }

    private void detachLocked(int ring) {
        int fd = fds[ring];
        fds[ring] = -1;
        if (fd < 0) {
            return;
        }
        if (fd == inFlight) {
            retired.add(fd);
        } else {
            Fds.close(platform, fd);
        }
    }

    /**
     * Asks for an interrupt on ring {@code ring}: sets its bit and wakes the signaller. Any thread;
     * no lock, no allocation, never blocks. Also where a stalled write is noticed.
     */
    public void signal(int ring) {
        PENDING.getAndBitwiseOr(pending, ring >>> 6, 1L << ring);
        checkStall();
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Runs the stall handler (once) if the write in flight has taken longer than {@link #STALL}. Any
     * thread; one volatile read when no write is in flight.
     */
    void checkStall() {
        long since = writeSince;
        if (since != 0 && System.nanoTime() - since > STALL && stalled.compareAndSet(false, true)) {
            onStall.run();
        }
    }

    /** Whether a write stalled longer than {@link #STALL} (the session is then being dropped). */
    boolean stalled() {
        return stalled.get();
    }

    /** Writes that failed (the peer's fault: a closed or odd fd), for diagnostics and tests. */
    public synchronized long failures() {
        return failures;
    }

    private void run() {
        while (!stopping) {
            boolean any = false;
            for (int w = 0; w < pending.length; w++) {
                long bits = (long) PENDING.getAndSet(pending, w, 0L);
                while (bits != 0) {
                    int ring = w * 64 + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    write(ring);
                    any = true;
                }
            }
            if (!any) {
                parked = true;
                if (!anyPending() && !stopping) {
                    LockSupport.park(this);
                }
                parked = false;
            }
        }
        synchronized (this) {
            for (int ring = 0; ring < fds.length; ring++) {
                detachLocked(ring);
            }
        }
    }

    private boolean anyPending() {
        for (int w = 0; w < pending.length; w++) {
            if ((long) PENDING.getVolatile(pending, w) != 0) {
                return true;
            }
        }
        return false;
    }

    private void write(int ring) {
        int fd;
        synchronized (this) {
            fd = fds[ring];
            if (fd < 0) {
                undelivered[ring] = true;
                return;
            }
            inFlight = fd;
        }
        writeSince = System.nanoTime() | 1;
        try {
            // In bounds: one is exactly the 8 bytes written. WOULD_BLOCK (EAGAIN) means the
            // counter is saturated, i.e. the driver has an interrupt pending already.
            platform.write(fd, one, 8);
        } catch (NativeException e) {
            synchronized (this) {
                failures++;
            }
            FAILURES.warn("{}: signalling a ring's call fd failed: {}", name, "ring " + ring + ": " + e.getMessage());
        } finally {
            writeSince = 0;
            synchronized (this) {
                inFlight = -1;
                for (int r : retired) {
                    Fds.close(platform, r);
                }
                retired.clear();
            }
        }
    }

    /**
     * Stops the thread and closes every fd it holds. A write stuck in the kernel is released by
     * draining the eventfd it waits on; if the front-end keeps refilling it for
     * {@link #RELEASE_TIMEOUT}, the thread is left behind (logged) rather than hanging the caller.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            t = thread;
            if (t == null) {
                for (int ring = 0; ring < fds.length; ring++) {
                    detachLocked(ring);
                }
                arena.close();
            }
        }
        if (t != null) {
            LockSupport.unpark(t);
            release(t);
        }
    }

    /**
     * Reads the counter of call fd {@code fd} without blocking (RWF_NOWAIT), so a write blocked on a
     * full counter can finish. Its outcome does not matter: nothing to read (WOULD_BLOCK) or an fd
     * that fails the read leave the writer where it was, and release() gives up at its deadline.
     */
    private void drainQuietly(int fd, MemorySegment iov) {
        try {
            platform.preadv2(fd, iov, 1, -1, LinuxConstants.RWF_NOWAIT);
        } catch (NativeException e) {
            // See above: the deadline in release() bounds the wait either way.
        }
    }

    private void release(Thread t) {
        long deadline = System.nanoTime() + RELEASE_TIMEOUT;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(ValueLayout.JAVA_LONG);
            MemorySegment iov = a.allocate(IoVec.LAYOUT);
            IoVec.set(iov, 0, value);
            while (t.isAlive()) {
                if (System.nanoTime() > deadline) {
                    LOG.error("{}: a call-fd write is still blocked after {} ms of releasing it; leaving its thread",
                            name, RELEASE_TIMEOUT / 1_000_000);
                    return;
                }
                synchronized (this) {
                    if (inFlight >= 0 && writeSince != 0) {
                        // In bounds: iov describes value's 8 bytes. Never blocks (RWF_NOWAIT); the
                        // fd stays open while in flight (detach defers its close to the writer).
                        drainQuietly(inFlight, iov);
                    }
                }
                try {
                    t.join(Duration.ofMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            if (!t.isAlive()) {
                arena.close();
            }
        }
    }
}
