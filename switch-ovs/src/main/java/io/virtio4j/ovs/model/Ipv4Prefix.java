package io.virtio4j.ovs.model;

/**
 * An IPv4 prefix such as 10.0.1.0/24; the address has no bits set outside the mask.
 *
 * @param address the network address
 * @param length  the prefix length, 0..32
 */
public record Ipv4Prefix(int address, int length) {

    /** Checks the length (0..32) and that no host bits are set. */
    public Ipv4Prefix {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("prefix length " + length + " is not in 0..32");
        }
        if ((address & ~mask(length)) != 0) {
            throw new IllegalArgumentException(Ipv4.format(address) + "/" + length
                    + " has host bits set; the network is " + Ipv4.format(address & mask(length)) + "/" + length);
        }
    }

    /** Parses {@code a.b.c.d/len}. */
    public static Ipv4Prefix parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a prefix (a.b.c.d/len): " + text);
        }
        int length;
        try {
            length = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a prefix (a.b.c.d/len): " + text);
        }
        return new Ipv4Prefix(Ipv4.parse(text.substring(0, slash)), length);
    }

    /** The netmask of a prefix length (0 for /0: a shift by 32 would be a no-op in Java). */
    public static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    /** The netmask of this prefix. */
    public int mask() {
        return mask(length);
    }

    /** Whether {@code ip} is in this prefix. */
    public boolean contains(int ip) {
        return (ip & mask()) == address;
    }

    /** Whether the two prefixes share any address. */
    public boolean overlaps(Ipv4Prefix other) {
        int shorter = Math.min(length, other.length);
        return ((address ^ other.address) & mask(shorter)) == 0;
    }

    @Override
    public String toString() {
        return Ipv4.format(address) + "/" + length;
    }
}
