package io.virtio4j.api.platform;

/**
 * Builds ioctl request numbers the way {@code _IO}, {@code _IOR}, {@code _IOW} and {@code _IOWR}
 * in {@code /usr/include/asm-generic/ioctl.h} do: number in bits 0-7, type in 8-15, argument size
 * in 16-29, direction in 30-31. Backends compute their requests with these (from the struct
 * layouts they pass) instead of copying hex constants; tests compare against the headers.
 */
public final class IoctlNumbers {
    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = 8;
    private static final int SIZE_SHIFT = 16;
    private static final int DIR_SHIFT = 30;
    private static final long MAX_SIZE = (1 << 14) - 1;
    private static final long WRITE = 1;
    private static final long READ = 2;

    private IoctlNumbers() {
    }

    /** {@code _IO(type, nr)}: no argument transfer. */
    public static long io(int type, int nr) {
        return ioc(0, type, nr, 0);
    }

    /** {@code _IOR(type, nr, size)}: the kernel writes {@code size} bytes to the argument. */
    public static long ior(int type, int nr, long size) {
        return ioc(READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, size)}: the kernel reads {@code size} bytes from the argument. */
    public static long iow(int type, int nr, long size) {
        return ioc(WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, size)}: both directions. */
    public static long iowr(int type, int nr, long size) {
        return ioc(READ | WRITE, type, nr, size);
    }

    private static long ioc(long dir, int type, int nr, long size) {
        if (type < 0 || type > 0xff || nr < 0 || nr > 0xff || size < 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("ioctl fields out of range: type " + type + " nr " + nr + " size " + size);
        }
        return (dir << DIR_SHIFT) | (size << SIZE_SHIFT) | ((long) type << TYPE_SHIFT) | ((long) nr << NR_SHIFT);
    }
}
