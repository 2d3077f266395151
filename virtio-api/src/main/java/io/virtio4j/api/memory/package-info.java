/**
 * Guest memory: guest-physical regions, their host backings, and bounds-checked translation.
 * Every other layer reaches guest memory only through {@link io.virtio4j.api.memory.GuestMemory}.
 */
package io.virtio4j.api.memory;
