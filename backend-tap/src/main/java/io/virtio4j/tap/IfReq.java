package io.virtio4j.tap;

import java.nio.charset.StandardCharsets;

/**
 * {@code struct ifreq} (linux/if.h) on x86-64: 40 bytes. {@code ifr_name[IFNAMSIZ=16]} at offset 0
 * (NUL-terminated), then a 24-byte union whose first member used here is {@code short ifr_flags}
 * at offset 16 (native byte order, little-endian on x86-64). The union is 24 bytes because its
 * largest members ({@code struct ifmap}, {@code struct sockaddr} padded) are 24 bytes.
 */
final class IfReq {
    private IfReq() {
    }

    static final int SIZE = 40;
    static final int IFNAMSIZ = 16;
    static final int FLAGS_OFFSET = 16;

    /** Validates an interface name the way the kernel's dev_valid_name does, so errors are ours and clear. */
    static void checkName(String name) {
        if (name.isEmpty() || name.length() >= IFNAMSIZ) {
            throw new TapException("interface name '" + name + "' must be 1.." + (IFNAMSIZ - 1) + " characters", 0);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == ':') {
                throw new TapException("interface name '" + name + "' contains a forbidden character", 0);
            }
        }
        if (name.equals(".") || name.equals("..")) {
            throw new TapException("interface name '" + name + "' is reserved", 0);
        }
    }

    /** An ifreq carrying {@code name} (may be empty: the kernel then picks tap%d) and {@code flags}. */
    static byte[] of(String name, int flags) {
        byte[] ifreq = new byte[SIZE];
        byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
        // checkName bounds the name at 15 bytes, so the copy stays inside ifr_name and leaves its NUL.
        System.arraycopy(ascii, 0, ifreq, 0, ascii.length);
        setFlags(ifreq, flags);
        return ifreq;
    }

    static void setFlags(byte[] ifreq, int flags) {
        ifreq[FLAGS_OFFSET] = (byte) flags;
        ifreq[FLAGS_OFFSET + 1] = (byte) (flags >>> 8);
    }

    static int flags(byte[] ifreq) {
        return (ifreq[FLAGS_OFFSET] & 0xff) | (ifreq[FLAGS_OFFSET + 1] & 0xff) << 8;
    }

    /** The name the kernel wrote back into {@code ifr_name} (it fills in tap%d when we asked for none). */
    static String name(byte[] ifreq) {
        int length = 0;
        while (length < IFNAMSIZ && ifreq[length] != 0) {
            length++;
        }
        return new String(ifreq, 0, length, StandardCharsets.US_ASCII);
    }
}
