package io.virtio4j.vhostuser.sys;

/**
 * Byte offsets and sizes of the kernel structs the socket calls use, for LP64 Linux
 * ({@code <sys/socket.h>}, {@code <sys/un.h>}, {@code <sys/uio.h>}, {@code asm/stat.h} on x86-64).
 */
public final class Structs {
    private Structs() {
    }

    /** struct sockaddr_un: sa_family_t sun_family; char sun_path[108]. */
    public static final int SOCKADDR_UN_SIZE = 110;
    /** Offset of {@code sun_family} in {@code struct sockaddr_un}. */
    public static final int SUN_FAMILY = 0;
    /** Offset of {@code sun_path} in {@code struct sockaddr_un}. */
    public static final int SUN_PATH = 2;
    /** sun_path holds 108 bytes including the terminating NUL. */
    public static final int SUN_PATH_MAX = 107;

    /** struct iovec: void *iov_base; size_t iov_len. */
    public static final int IOVEC_SIZE = 16;
    /** Offset of {@code iov_base} in {@code struct iovec}. */
    public static final int IOV_BASE = 0;
    /** Offset of {@code iov_len} in {@code struct iovec}. */
    public static final int IOV_LEN = 8;

    /** struct msghdr. */
    public static final int MSGHDR_SIZE = 56;
    /** Offset of {@code msg_name} in {@code struct msghdr}. */
    public static final int MSG_NAME = 0;
    /** Offset of {@code msg_namelen} in {@code struct msghdr}. */
    public static final int MSG_NAMELEN = 8;
    /** Offset of {@code msg_iov} in {@code struct msghdr}. */
    public static final int MSG_IOV = 16;
    /** Offset of {@code msg_iovlen} in {@code struct msghdr}. */
    public static final int MSG_IOVLEN = 24;
    /** Offset of {@code msg_control} in {@code struct msghdr}. */
    public static final int MSG_CONTROL = 32;
    /** Offset of {@code msg_controllen} in {@code struct msghdr}. */
    public static final int MSG_CONTROLLEN = 40;
    /** Offset of {@code msg_flags} in {@code struct msghdr}. */
    public static final int MSG_FLAGS = 48;

    /** struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type; then data (8-aligned). */
    public static final int CMSG_HDR_SIZE = 16;
    /** Offset of {@code cmsg_len} in {@code struct cmsghdr}. */
    public static final int CMSG_LEN = 0;
    /** Offset of {@code cmsg_level} in {@code struct cmsghdr}. */
    public static final int CMSG_LEVEL = 8;
    /** Offset of {@code cmsg_type} in {@code struct cmsghdr}. */
    public static final int CMSG_TYPE = 12;

    /** CMSG_ALIGN: control messages are padded to 8 bytes. */
    public static long cmsgAlign(long n) {
        return (n + 7) & ~7L;
    }

    /** CMSG_SPACE(n). */
    public static long cmsgSpace(long dataBytes) {
        return CMSG_HDR_SIZE + cmsgAlign(dataBytes);
    }

    /** CMSG_LEN(n). */
    public static long cmsgLen(long dataBytes) {
        return CMSG_HDR_SIZE + dataBytes;
    }

    /**
     * struct stat (x86-64 and aarch64 generic differ in st_mode; both start with u64 st_dev and
     * u64 st_ino, and have st_size at 48 and st_blksize as the low 32 bits of the word after it).
     */
    public static final int STAT_SIZE = 144;
    /** Offset of {@code st_dev} in {@code struct stat}. */
    public static final int ST_DEV = 0;
    /** Offset of {@code st_ino} in {@code struct stat}. */
    public static final int ST_INO = 8;
    /** Offset of {@code st_blksize} in {@code struct stat}. */
    public static final int ST_BLKSIZE = 56;
    /** Offset of {@code st_mode} in {@code struct stat} (x86-64 and aarch64 differ). */
    public static final int ST_MODE = isAarch64() ? 16 : 24;
    /** Offset of {@code st_size} in {@code struct stat}. */
    public static final int ST_SIZE = 48;
    /** {@code S_IFMT}: the file-type bits of {@code st_mode}. */
    public static final int S_IFMT = 0xF000;
    /** {@code S_IFREG}: a regular file. */
    public static final int S_IFREG = 0x8000;

    private static boolean isAarch64() {
        return "aarch64".equals(System.getProperty("os.arch"));
    }
}
