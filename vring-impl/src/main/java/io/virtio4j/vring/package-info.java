/**
 * The split virtqueue of virtio 1.2 section 2.7. Device side: {@link io.virtio4j.vring.DeviceQueue} pops
 * bursts of {@link io.virtio4j.vring.DescriptorChain}s (direct and indirect, every index, length and
 * address checked by the chain walker against a driver assumed hostile), adds them used, publishes the
 * used index once per burst and honours notification suppression (EVENT_IDX or flags);
 * {@link io.virtio4j.vring.ChainCopier} moves payload in and out. Driver side:
 * {@link io.virtio4j.vring.DriverQueue}, the in-process guest used by tests, samples and benchmarks.
 * A refused chain is counted by {@link io.virtio4j.vring.ChainError} in {@link io.virtio4j.vring.QueueCounters}.
 */
package io.virtio4j.vring;
