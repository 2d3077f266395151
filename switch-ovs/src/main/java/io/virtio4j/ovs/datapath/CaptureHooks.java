package io.virtio4j.ovs.datapath;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The switch's capture slots ({@code ctl capture}), one {@link CaptureSlot} per port name. Keyed
 * by name, not index: a live reconfiguration renumbers the ports, and a capture of a port that
 * stays must go on recording it. Each {@link FrameExecutor} resolves its ports' slots once when it
 * is built, so the PMD reads one slot per burst and never this map. A capture is attached and
 * detached by the control side.
 */
public final class CaptureHooks {
    private final ConcurrentHashMap<String, CaptureSlot> byName = new ConcurrentHashMap<>();
    private PacketInQueue packetIns;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

    /** No slots yet: each is made when an executor or a capture first names its port. */
    public CaptureHooks() {
    }

    /** The slot of port {@code name} (made when first asked for). */
    public CaptureSlot slot(String name) {
        return byName.computeIfAbsent(name, n -> new CaptureSlot());
    }

    /**
     * The switch's PACKET_IN queue (OpenFlow output:CONTROLLER), shared by its PMDs and read by the
     * OpenFlow agent; made when first asked for (a PMD's first such frame, or the agent), so a
     * switch that never sends a frame to a controller allocates none.
     */
    public synchronized PacketInQueue packetIns() {
        if (packetIns == null) {
            packetIns = new PacketInQueue();
        }
        return packetIns;
    }

    /** Attaches {@code capture} to port {@code name}'s slot and returns it; null when another capture holds it already. */
    public CaptureSlot attach(String name, PortCapture capture) {
        CaptureSlot slot = slot(name);
        return slot.compareAndSet(null, capture) ? slot : null;
    }

    /**
     * Port {@code name} left the switch (removed, or closed to be opened again with another
     * device): its slot is retired, so a capture of it ends, and the name gets a fresh slot if a
     * port of that name comes back. Called once no PMD polls or sends to the port.
     */
    public void portRemoved(String name) {
        CaptureSlot slot = byName.remove(name);
        if (slot != null) {
            slot.retire();
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
