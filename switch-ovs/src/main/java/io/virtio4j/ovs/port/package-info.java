/**
 * The switch's ports, one class per kind: {@link io.virtio4j.ovs.port.VhostUserPort} (server, or client
 * with reconnect; frames read in place from guest memory), {@link io.virtio4j.ovs.port.TapPort} and
 * {@link io.virtio4j.ovs.port.InternalPort} (kernel TAPs), {@link io.virtio4j.ovs.port.InProcessPort};
 * all behind {@link io.virtio4j.ovs.port.SwitchPort}, with per-port and per-drop-reason counters.
 */
package io.virtio4j.ovs.port;
