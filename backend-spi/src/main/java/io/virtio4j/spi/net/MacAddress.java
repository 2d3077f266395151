package io.virtio4j.spi.net;

/**
 * A 48-bit MAC address held in the low bits of a long, first octet most significant, so filter
 * tables are plain long arrays with no object per address.
 */
public final class MacAddress {
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    /** Bytes in a MAC address. */
    public static final int BYTES = 6;

    private MacAddress() {
    }

    /** Packs {@code bytes[offset..offset+6)}. */
    public static long of(byte[] bytes, int offset) {
        long v = 0;
        for (int i = 0; i < BYTES; i++) {
            v = (v << 8) | (bytes[offset + i] & 0xff);
        }
        return v;
    }

    /** Parses {@code 52:54:00:12:34:56}. */
    public static long parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != BYTES) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        long v = 0;
        for (String p : parts) {
            int octet = Integer.parseInt(p, 16);
            if (p.length() != 2 || octet < 0) {
                throw new IllegalArgumentException("not a MAC address: " + text);
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    /** Writes the 6 bytes into {@code out[offset..offset+6)}. */
    public static void write(long mac, byte[] out, int offset) {
        for (int i = BYTES - 1; i >= 0; i--) {
            out[offset + i] = (byte) mac;
            mac >>>= 8;
        }
    }

    /** The group bit: least significant bit of the first octet. */
    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    static boolean contains(long[] table, long mac) {
        for (long m : table) {
            if (m == mac) {
                return true;
            }
        }
        return false;
    }

    /** {@code 52:54:00:12:34:56}. */
    public static String format(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift != 40) {
                sb.append(':');
            }
            sb.append(String.format("%02x", (mac >>> shift) & 0xff));
        }
        return sb.toString();
    }
}
