package io.virtio4j.ovs.datapath;

/** The PMD threads could not all be handed a new plan in time, so none was: nothing changed. */
public final class PmdHandoffException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PmdHandoffException(String message) {
        super(message);
    }
}
