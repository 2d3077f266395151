/**
 * Running the switch as a daemon and talking to it: {@link io.virtio4j.ovs.control.SwitchDaemon} starts
 * the control socket, the counters file, the gateway namespace and the data path, and stops them in
 * reverse; {@link io.virtio4j.ovs.control.ControlServer} serves the line protocol (a command registry,
 * bounds against hostile clients) and {@link io.virtio4j.ovs.control.ControlClient} is the {@code ctl} side.
 */
package io.virtio4j.ovs.control;
