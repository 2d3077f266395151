/**
 * The user-space virtual switch: {@link io.virtio4j.ovs.VirtualSwitch}, built from a
 * {@code SwitchSpec} (package {@code io.virtio4j.ovs.model}) and a flow program, owns its ports, its PMD
 * threads and their counters, and offers read-only views ({@link io.virtio4j.ovs.PortInfo}) for the
 * control interface. docs/architecture.md lists what each sub-package does.
 */
package io.virtio4j.ovs;
