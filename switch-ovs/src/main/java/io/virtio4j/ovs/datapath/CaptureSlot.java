package io.virtio4j.ovs.datapath;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the PMD threads look for a running capture of one port ({@code ctl capture}), found by the
 * port's name, so it outlives a live reconfiguration that renumbers the ports: every executor
 * built for the port (one per PMD, again at each change) holds the same slot. Empty while nothing
 * captures the port. Retired when the port leaves the switch: a capture of it then ends.
 *
 * <p>The slot also holds the port's {@link InjectionRing} (OpenFlow PACKET_OUT), made the first
 * time the control side injects at the port, so a switch without a controller allocates none;
 * the PMD reads the reference once per burst.
 */
public final class CaptureSlot extends AtomicReference<PortCapture> {
    private volatile boolean retired;
    private volatile InjectionRing injection;

    /** An empty slot of a port in the switch (made by {@link CaptureHooks#slot}). */
    public CaptureSlot() {
    }

    /** The running capture, or null: one acquire load (a plain load on x86), read once per burst. */
    public PortCapture current() {
        return getAcquire();
    }

    /** The port's injection ring, or null while nothing was ever injected here (the PMD, per burst). */
    public InjectionRing injected() {
        return injection;
    }

    /** The port's injection ring, made on first use (the control side; its memory once per port). */
    public synchronized InjectionRing injection() {
        InjectionRing ring = injection;
        if (ring == null) {
            ring = new InjectionRing();
            injection = ring;
        }
        return ring;
    }

    /** Whether the port was removed (or reopened with another device) since this slot was made. */
    public boolean retired() {
        return retired;
    }

    void retire() {
        retired = true;
    }
}
