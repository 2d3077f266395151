package io.virtio4j.ovs.metrics;

/**
 * One counter as read at one moment. Labels are {@code group:name}, for example
 * {@code port:vm1:rx_frames} (group {@code port:vm1}) or {@code drop:ttl_expired} (group
 * {@code drop}); a label without a colon is its own name in the empty group.
 *
 * @param id    the Agrona counter id
 * @param label the full label
 * @param value the value when read
 */
public record CounterValue(int id, String label, long value) {

    /** Everything before the last ':' (empty if there is none). */
    public String group() {
        int colon = label.lastIndexOf(':');
        return colon < 0 ? "" : label.substring(0, colon);
    }

    /** Everything after the last ':'. */
    public String name() {
        return label.substring(label.lastIndexOf(':') + 1);
    }
}
