package io.virtio4j.ovs.port;

import io.virtio4j.api.notify.EpollPoller;

/**
 * A port whose frames arrive on one kernel fd (a TAP queue, a VXLAN port's UDP socket): that fd's
 * edge-triggered wake-up ({@link EdgeTriggeredWakeup}) and the port's close-once state, which such
 * ports would otherwise each write out again. A subclass names the fd and releases its resources;
 * this class decides when: once, on the first {@link #close()}.
 */
public abstract class EdgeTriggeredPort implements SwitchPort {
    private final EdgeTriggeredWakeup wakeup;
    private volatile boolean closed;

    /**
     * A port named {@code port} whose wake-up fd is its {@code what} (for errors: "TAP fd").
     *
     * @param port the port's name
     * @param what what the fd is, named in an error when epoll refuses it
     */
    protected EdgeTriggeredPort(String port, String what) {
        this.wakeup = new EdgeTriggeredWakeup(port, what);
    }

    /**
     * The fd frames arrive on, registered edge-triggered; open until {@link #closeResources()}.
     *
     * @return the fd
     */
    protected abstract int wakeupFd();

    /** Releases the port's fds and memory; runs once, on the first {@link #close()}. */
    protected abstract void closeResources();

    /**
     * Whether {@link #close()} has begun: a closed port receives and transmits nothing.
     *
     * @return true once closing
     */
    protected final boolean isClosed() {
        return closed;
    }

    @Override
    public boolean connected() {
        return !closed;
    }

    @Override
    public final void syncWakeups(EpollPoller poller, int tokenBase) {
        wakeup.sync(poller, tokenBase, wakeupFd(), !closed);
    }

    @Override
    public final void resetWakeups() {
        wakeup.reset();
    }

    @Override
    public final boolean enableWakeups() {
        // Edge-triggered on the fd: a frame queued after the last empty read is an edge.
        return false;
    }

    @Override
    public final void disableWakeups() {
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeResources();
    }
}
