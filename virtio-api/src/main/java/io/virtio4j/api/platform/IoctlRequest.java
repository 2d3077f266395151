package io.virtio4j.api.platform;

/**
 * Decodes an ioctl request number laid out by {@code _IOC} in
 * {@code /usr/include/asm-generic/ioctl.h}: bits 0-7 the number, 8-15 the type character,
 * 16-29 the argument size, 30-31 the direction (0 none, 1 write to the kernel, 2 read from it).
 * Legacy requests such as FIONREAD (0x541B) predate the scheme and decode as direction none.
 */
final class IoctlRequest {
    private IoctlRequest() {
    }

    private static final int DIR_NONE = 0;
    private static final int DIR_WRITE = 1;
    private static final int DIR_READ = 2;

    static int direction(long request) {
        return (int) ((request >>> 30) & 0x3);
    }

    /** The argument size the request declares, or 0 when it declares no transfer. */
    static long argumentSize(long request) {
        return direction(request) == DIR_NONE ? 0 : (request >>> 16) & 0x3fff;
    }

    /** E.g. {@code "_IOW('T', 202, 4)"} for TUNSETIFF, or {@code "0x541b"} for a legacy request. */
    static String describe(long request) {
        int dir = direction(request);
        if (dir == DIR_NONE || (request >>> 32) != 0) {
            return "0x" + Long.toHexString(request);
        }
        String macro = switch (dir) {
            case DIR_WRITE -> "_IOW";
            case DIR_READ -> "_IOR";
            default -> "_IOWR";
        };
        char type = (char) ((request >>> 8) & 0xff);
        String typeText = type >= 0x20 && type < 0x7f ? "'" + type + "'" : "0x" + Integer.toHexString(type);
        return "%s(%s, %d, %d)".formatted(macro, typeText, request & 0xff, argumentSize(request));
    }
}
