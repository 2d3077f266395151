package io.virtio4j.samples.demo;

import io.virtio4j.ovs.model.L3Mode;

/**
 * {@code ./virtio4j demo [--seconds N] [--l3 ovs-only|ipforward] [--frame-size B]}.
 *
 * @param seconds   the throughput run's length, 1..3600
 * @param l3        who routes between the subnets
 * @param frameSize the throughput frames' length in bytes
 */
public record DemoOptions(int seconds, L3Mode l3, int frameSize) {
    public static final String USAGE = "usage: ./virtio4j demo [--seconds N (10)] [--l3 ovs-only|ipforward (ovs-only)]"
            + " [--frame-size " + SequencedFrames.MIN_LENGTH + ".." + SequencedFrames.MAX_LENGTH + " (64)]";

    /** A command line the demo cannot run with. */
    public static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    public static DemoOptions parse(String[] args) throws UsageException {
        int seconds = 10;
        L3Mode l3 = L3Mode.OVS_ONLY;
        int frameSize = 64;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--seconds" -> seconds = number("--seconds", value, 1, 3600);
                case "--frame-size" -> frameSize = number("--frame-size", value, SequencedFrames.MIN_LENGTH, SequencedFrames.MAX_LENGTH);
                case "--l3" -> {
                    if (value == null || !(value.equals("ovs-only") || value.equals("ipforward"))) {
                        throw new UsageException("--l3 takes ovs-only or ipforward, not " + value);
                    }
                    l3 = L3Mode.byConfigName(value);
                }
                default -> throw new UsageException("unknown option " + args[i]);
            }
            i++;
        }
        return new DemoOptions(seconds, l3, frameSize);
    }

    private static int number(String option, String value, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value == null ? "" : value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below with the valid range.
        }
        throw new UsageException(option + " takes a number in " + min + ".." + max + ", not " + value);
    }
}
