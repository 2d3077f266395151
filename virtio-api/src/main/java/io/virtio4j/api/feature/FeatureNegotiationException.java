package io.virtio4j.api.feature;

import java.util.List;

/** The driver acked a feature set the device must refuse; FEATURES_OK is not set. */
public final class FeatureNegotiationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** Creates the exception from the list of problems found. */
    public FeatureNegotiationException(List<String> problems) {
        super("feature negotiation failed: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one sentence each. */
    public List<String> problems() {
        return problems;
    }
}
