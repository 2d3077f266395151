package io.virtio4j.ovs.datapath;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Where the PMD threads look for a running packet capture ({@code ctl capture}): one slot per
 * port, empty while nothing captures it. The executor reads a port's slot once per burst it
 * receives and once per burst it sends (a plain load on x86, acquire ordering), and does nothing
 * else while it is empty; a capture is attached and detached by the control side.
 */
public final class CaptureHooks {
    private final AtomicReferenceArray<PortCapture> byPort;
    private final java.util.List<Runnable> onClose = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Empty slots for {@code ports} ports, indexed as the switch's ports. */
    public CaptureHooks(int ports) {
        this.byPort = new AtomicReferenceArray<>(ports);
    }

    /** The capture of port {@code port}, or null (also for a port beyond the slots: added at run time). */
    public PortCapture at(int port) {
        return port < byPort.length() ? byPort.getAcquire(port) : null;
    }

    /** Attaches {@code capture} to {@code port}; false when another capture holds it already. */
    public boolean attach(int port, PortCapture capture) {
        return port < byPort.length() && byPort.compareAndSet(port, null, capture);
    }

    /** Detaches {@code capture} from {@code port} (nothing if another one is attached). */
    public void detach(int port, PortCapture capture) {
        if (port < byPort.length()) {
            byPort.compareAndSet(port, capture, null);
        }
    }

    /** Runs {@code action} when the switch has stopped its PMDs ({@link #switchStopped()}): a capture writes what it holds. */
    public void onSwitchStop(Runnable action) {
        onClose.add(action);
    }

    /** The switch stopped (its PMD threads are gone): runs every {@link #onSwitchStop} action once. */
    public void switchStopped() {
        for (Runnable r : onClose) {
            r.run();
        }
        onClose.clear();
    }
}
