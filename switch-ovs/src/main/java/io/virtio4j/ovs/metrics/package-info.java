/**
 * The counters file: an Agrona {@code CountersManager} over a mapped file ({@link io.virtio4j.ovs.metrics.CountersFile})
 * that another process maps and reads while the switch runs ({@link io.virtio4j.ovs.metrics.CountersFileReader}).
 */
package io.virtio4j.ovs.metrics;
