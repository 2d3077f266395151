/**
 * The virtqueues of virtio 1.2: split (section 2.7) and packed (section 2.8), behind one queue type
 * per side. Device side: {@link io.virtio4j.vring.DeviceQueue} pops bursts of
 * {@link io.virtio4j.vring.DescriptorChain}s (direct and indirect, every index, length and address
 * checked against a driver assumed hostile), adds them used, publishes a burst of used elements at
 * once and honours notification suppression (EVENT_IDX or flags; the packed ring's event
 * suppression structures); {@link io.virtio4j.vring.ChainCopier} and
 * {@link io.virtio4j.vring.ChainCursor} move payload in and out, whichever the ring kind. Driver side:
 * {@link io.virtio4j.vring.DriverQueue}, the in-process guest used by tests, samples and benchmarks.
 * The kind is the layout's ({@link io.virtio4j.api.queue.QueueLayout#packed()}). A refused chain is
 * counted by {@link io.virtio4j.vring.ChainError} in {@link io.virtio4j.vring.QueueCounters}.
 */
package io.virtio4j.vring;
