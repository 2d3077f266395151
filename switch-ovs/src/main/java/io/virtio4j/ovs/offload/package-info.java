/**
 * Checksum and segmentation offloads through the switch (issue 15): the check of a guest's
 * virtio-net header on TX ({@link io.virtio4j.ovs.offload.OffloadCheck}, each refusal an
 * {@link io.virtio4j.ovs.offload.OffloadError} counted per port), the offload a frame carries
 * through the switch ({@link io.virtio4j.ovs.offload.FrameOffload}), and the software fallback
 * for a destination that did not negotiate it ({@link io.virtio4j.ovs.offload.SoftwareOffload}:
 * the checksum completed, a TSO super-frame cut into segments).
 */
package io.virtio4j.ovs.offload;
