package io.virtio4j.ovs.flow;

/** What the gateway put into a verdict's reply buffer, for counting. */
public enum Reply {
    /** Nothing. */
    NONE,
    /** An ARP reply for a gateway address. */
    ARP_REPLY,
    /** An ICMP echo reply from a gateway address. */
    ECHO_REPLY,
    /** An ICMP time exceeded for a routed frame whose TTL ran out. */
    TIME_EXCEEDED
}
