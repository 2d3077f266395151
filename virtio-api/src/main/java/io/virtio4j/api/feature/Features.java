package io.virtio4j.api.feature;

/** Helpers over a 64-bit feature word. */
public final class Features {
    private Features() {
    }

    /** The mask with every given feature set. */
    public static long of(VirtioFeature... features) {
        long bits = 0;
        for (VirtioFeature f : features) {
            bits |= f.mask();
        }
        return bits;
    }

    /** Whether every bit of {@code required} is set in {@code bits}. */
    public static boolean hasAll(long bits, long required) {
        return (bits & required) == required;
    }

    /**
     * A readable list for logs, e.g. {@code "VIRTIO_F_VERSION_1|VIRTIO_NET_F_MAC|bit45"}: named bits
     * by spec name, unknown ones by number.
     */
    public static String describe(long bits) {
        if (bits == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) == 0) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append('|');
            }
            VirtioFeature f = VirtioFeature.ofBit(bit);
            sb.append(f != null ? f.specName() : "bit" + bit);
        }
        return sb.toString();
    }
}
