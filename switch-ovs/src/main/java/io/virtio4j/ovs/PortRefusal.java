package io.virtio4j.ovs;

/**
 * What a vhost-user port's front-end had refused for one reason, as the control interface shows it.
 *
 * @param port   the port's name
 * @param reason {@code vhost_<reason>} for a vhost-user protocol refusal (rejected messages, refused
 *               fds, refused memory, memory faults, stalled calls, ...) or {@code chain_<error>} for
 *               descriptor chains its rings refused; the label after {@code port:NAME:} in the counters file
 * @param count  how many, since the switch started
 */
public record PortRefusal(String port, String reason, long count) {
}
