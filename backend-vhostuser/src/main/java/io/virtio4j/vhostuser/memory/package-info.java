/**
 * Guest memory a front-end shares, as rust-vmm's {@code vm-memory} mmap regions: the region table
 * ({@link io.virtio4j.vhostuser.memory.MemoryTable}) built from
 * {@link io.virtio4j.vhostuser.memory.MemoryRegionSpec}s and mapped from the front-end's fds
 * ({@link io.virtio4j.vhostuser.memory.FdMapping}), the dirty log for live migration
 * ({@link io.virtio4j.vhostuser.memory.DirtyBitmap}) and the sweep that drops sessions whose memory
 * shrank under them ({@link io.virtio4j.vhostuser.memory.GuestMemoryFaults}). Internal: exported to the
 * switch only.
 */
package io.virtio4j.vhostuser.memory;
