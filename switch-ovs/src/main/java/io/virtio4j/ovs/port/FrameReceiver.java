package io.virtio4j.ovs.port;

/** Where a port hands the frames of a receive burst, one at a time (the switch's executor). */
@FunctionalInterface
public interface FrameReceiver {
    /** Handles one frame; it is valid only during the call. */
    void frame(Frame frame);
}
