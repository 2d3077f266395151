package io.virtio4j.vring;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** A device queue's traffic counters; its refusals are counted per {@link ChainError}. */
public enum QueueCounter implements CounterDescriptor {
    /** Good chains handed to the caller. */
    CHAINS,
    /** Times {@code needsInterrupt()} answered yes. */
    INTERRUPTS;


    @Override
    public int typeId() {
        return CounterTypes.QUEUE;
    }
}
