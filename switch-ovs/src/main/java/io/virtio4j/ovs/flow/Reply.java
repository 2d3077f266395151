package io.virtio4j.ovs.flow;

/** What the gateway put into a verdict's reply buffer, for counting. */
public enum Reply {
    NONE,
    ARP_REPLY,
    ECHO_REPLY,
    TIME_EXCEEDED
}
