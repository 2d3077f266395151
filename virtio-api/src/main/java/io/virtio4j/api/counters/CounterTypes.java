package io.virtio4j.api.counters;

/**
 * The Agrona type ids of the project's counter sets, in one place so two sets never share one: a
 * reader of the counters file (ctl, the metrics endpoint, another process) tells the sets apart by
 * them. The table in docs/architecture.md ("Counters") lists them with their labels.
 */
public final class CounterTypes {
    /** A switch port's traffic and drops ({@code port:<name>:...}), and the VTEP and refusal counters beside them. */
    public static final int SWITCH_PORT = 0x5601;
    /** The switch-wide drops by reason ({@code drop:<reason>}). */
    public static final int SWITCH_DROPS = 0x5602;
    /** A device queue's chains, interrupts and refusals by chain error (vring-impl). */
    public static final int QUEUE = 0x5610;
    /** A vhost-user back-end socket's protocol counters, shared by its sessions. */
    public static final int VHOST_USER_BACKEND = 0x5611;
    /** A {@code vhost-user:} front-end's connection and hand-over counters. */
    public static final int VHOST_USER_FRONTEND = 0x5612;
    /** A vhost-user port's frames by ring (received, sent, dropped). */
    public static final int VHOST_USER_PORT = 0x5613;
    /** One TAP queue's reads and writes. */
    public static final int TAP_QUEUE = 0x5614;
    /** One TAP queue pair worker's data path. */
    public static final int TAP_DATA_PATH = 0x5615;

    private CounterTypes() {
    }
}
