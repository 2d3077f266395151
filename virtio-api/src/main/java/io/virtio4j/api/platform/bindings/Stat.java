package io.virtio4j.api.platform.bindings;

/**
 * {@code struct stat} ({@code asm/stat.h} on x86-64, {@code asm-generic/stat.h} on aarch64): both start
 * with u64 {@code st_dev} and u64 {@code st_ino}, have {@code st_size} at 48 and {@code st_blksize} as
 * the low 32 bits of the word after it; they differ in where {@code st_mode} is. Offsets only.
 */
public final class Stat {
    private Stat() {
    }

    /** Size of {@code struct stat} in bytes (144 on both). */
    public static final int SIZE = 144;
    /** Offset of {@code st_dev}. */
    public static final int ST_DEV = 0;
    /** Offset of {@code st_ino}. */
    public static final int ST_INO = 8;
    /** Offset of {@code st_mode} (x86-64 and aarch64 differ). */
    public static final int ST_MODE = "aarch64".equals(System.getProperty("os.arch")) ? 16 : 24;
    /** Offset of {@code st_size}. */
    public static final int ST_SIZE = 48;
    /** Offset of {@code st_blksize}. */
    public static final int ST_BLKSIZE = 56;
    /** {@code S_IFMT}: the file-type bits of {@code st_mode}. */
    public static final int S_IFMT = 0xF000;
    /** {@code S_IFREG}: a regular file. */
    public static final int S_IFREG = 0x8000;
}
