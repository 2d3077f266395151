package io.virtio4j.ovs.datapath;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the PMD threads look for a running capture of one port ({@code ctl capture}), found by the
 * port's name, so it outlives a live reconfiguration that renumbers the ports: every executor
 * built for the port (one per PMD, again at each change) holds the same slot. Empty while nothing
 * captures the port. Retired when the port leaves the switch: a capture of it then ends.
 */
public final class CaptureSlot extends AtomicReference<PortCapture> {
    private volatile boolean retired;

    /** An empty slot of a port in the switch (made by {@link CaptureHooks#slot}). */
    public CaptureSlot() {
    }

    /** The running capture, or null: one acquire load (a plain load on x86), read once per burst. */
    public PortCapture current() {
        return getAcquire();
    }

    /** Whether the port was removed (or reopened with another device) since this slot was made. */
    public boolean retired() {
        return retired;
    }

    void retire() {
        retired = true;
    }
}
