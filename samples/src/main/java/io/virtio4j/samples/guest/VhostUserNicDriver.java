package io.virtio4j.samples.guest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * A {@link GuestNic} (an in-process guest attached to a vhost-user back-end) as a {@link NicDriver}:
 * queue pair 0, one frame per buffer. Sending reclaims finished chains first, so a long-running
 * guest never runs out of transmit buffers.
 */
public final class VhostUserNicDriver implements NicDriver {
    private final GuestNic nic;

    public VhostUserNicDriver(GuestNic nic) {
        this.nic = nic;
    }

    @Override
    public boolean send(MemorySegment frame, int length) {
        nic.reclaimTx();
        // In bounds: asSlice checks length against the frame segment. GuestNic takes a whole array (and refuses
        // one longer than its buffers); only control-plane frames (ARP, ICMP) come here, so an array per frame is cheap.
        if (!nic.transmit(frame.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE))) {
            return false;
        }
        nic.kickTx();
        return true;
    }

    @Override
    public int receive(Consumer<MemorySegment> frames) {
        // The used length includes the 12-byte header; GuestNic already refused lengths beyond the buffer.
        return nic.receive((buffer, used) -> {
            if (used >= GuestNic.HDR) {
                frames.accept(buffer.asSlice(GuestNic.HDR, used - GuestNic.HDR));
            }
        });
    }

    public GuestNic nic() {
        return nic;
    }
}
