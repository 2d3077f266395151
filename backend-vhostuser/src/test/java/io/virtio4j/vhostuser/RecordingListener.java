package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.protocol.VringState;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.virtio4j.api.memory.GuestMemory;

/** Records ring starts and stops; reports a fixed avail index on stop. */
final class RecordingListener implements RingListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile int stopIndex = -1;
    volatile GuestMemory lastMemory;
    /** The feature bits the front-end had set when the last ring started. */
    volatile long features;

    @Override
    public void ringStarted(VringState ring, GuestMemory memory, long features) {
        lastMemory = memory;
        this.features = features;
        events.add("start " + ring.index() + " base " + ring.base());
    }

    @Override
    public int ringStopped(VringState ring) {
        events.add("stop " + ring.index());
        return stopIndex >= 0 ? stopIndex : ring.base();
    }
}
