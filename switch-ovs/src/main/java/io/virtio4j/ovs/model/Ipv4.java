package io.virtio4j.ovs.model;

/** IPv4 addresses held in an int, first octet most significant, so tables need no objects. */
public final class Ipv4 {
    private Ipv4() {
    }

    /** Parses dotted-quad {@code a.b.c.d}; throws IllegalArgumentException otherwise. */
    public static int parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        int v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    /** Formats as dotted quad. */
    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }
}
