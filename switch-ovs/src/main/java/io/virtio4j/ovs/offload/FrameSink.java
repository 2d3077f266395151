package io.virtio4j.ovs.offload;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.port.Frame;

/**
 * Where {@link SoftwareOffload} sends the complete frames it makes: a destination port's own
 * single-frame send (head, then the frame's bytes from {@code resume} on). Each port makes its
 * sink once, so nothing is allocated per frame; {@code target} is passed through from the
 * caller (a vhost-user port's RX queue pair), so the sink keeps no per-call state.
 */
@FunctionalInterface
public interface FrameSink {
    /** Sends {@code headLength} bytes of {@code head} then {@code frame} from {@code resume} to {@code target}; whether it went out. */
    boolean send(int target, Frame frame, MemorySegment head, int headLength, long resume);
}
