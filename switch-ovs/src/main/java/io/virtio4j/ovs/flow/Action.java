package io.virtio4j.ovs.flow;

/**
 * One action of a flow entry, applied while translating a frame. Implementations are immutable
 * and allocate nothing when applied; {@code toString()} is the {@code ovs-ofctl} spelling.
 */
public interface Action {
    /** Applies the action to the frame being translated. */
    void apply(Translation t);
}
