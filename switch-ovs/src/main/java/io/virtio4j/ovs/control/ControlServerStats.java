package io.virtio4j.ovs.control;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the control server saw, counted on its thread and readable from any: proof that hostile
 * or broken clients were handled (and a {@code ctl} table once the daemon registers one).
 */
public final class ControlServerStats {
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong errorReplies = new AtomicLong();
    final AtomicLong rejectedBusy = new AtomicLong();
    final AtomicLong oversizedRequests = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong disconnected = new AtomicLong();


    /** All counters at zero. */
    public ControlServerStats() {
        // Counted by the server that owns them.
    }

    /** Connections accepted (busy rejections included). */
    public long accepted() {
        return accepted.get();
    }

    /** Replies written completely (OK or ERROR). */
    public long answered() {
        return answered.get();
    }

    /** ERROR replies: unknown command, failed handler, oversized or empty request. */
    public long errorReplies() {
        return errorReplies.get();
    }

    /** Connections refused because {@link ControlLimits#maxClients()} were being served. */
    public long rejectedBusy() {
        return rejectedBusy.get();
    }

    /** Request lines longer than {@link ControlProtocol#MAX_REQUEST_BYTES}. */
    public long oversizedRequests() {
        return oversizedRequests.get();
    }

    /** Clients closed because they did not finish asking or reading in time. */
    public long timedOut() {
        return timedOut.get();
    }

    /** Clients that went away before their reply was written. */
    public long disconnected() {
        return disconnected.get();
    }

    /** The counts as a table (the daemon registers it as a command). */
    public Table table() {
        return Table.of("accepted", "answered", "errors", "busy", "oversized", "timed-out", "disconnected")
                .row(accepted(), answered(), errorReplies(), rejectedBusy(), oversizedRequests(), timedOut(), disconnected());
    }
}
