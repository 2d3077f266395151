package io.virtio4j.ovs.pipeline;

/** The pipeline's own counters besides the per-drop-reason, per-table and per-flow ones. */
public enum PipelineCounter {
    /** Frames processed. */
    FRAMES,
    /** Frames whose decision came from the exact-match cache. */
    EMC_HITS,
    /** Frames that went through the flow tables. */
    EMC_MISSES,
    /** ARP replies the gateway sent. */
    ARP_REPLIES,
    /** ICMP echo replies the gateway sent. */
    ECHO_REPLIES,
    /** ICMP time exceeded messages sent for routed frames whose TTL ran out. */
    TIME_EXCEEDED_SENT,
    /** ARP senders not learned as neighbours (address outside the VLAN's subnet, the gateway's, or a group MAC). */
    NEIGHBOURS_REFUSED
}
