package io.virtio4j.api.platform.bindings;

/**
 * {@code struct sockaddr_un} from {@code sys/un.h}: {@code sa_family_t sun_family; char sun_path[108]}.
 * Offsets only.
 */
public final class SockaddrUn {
    private SockaddrUn() {
    }

    /** Size of {@code struct sockaddr_un} in bytes. */
    public static final int SIZE = 110;
    /** Offset of {@code sun_family}. */
    public static final int SUN_FAMILY = 0;
    /** Offset of {@code sun_path}. */
    public static final int SUN_PATH = 2;
    /** The longest path {@code sun_path} holds: 108 bytes including the terminating NUL. */
    public static final int SUN_PATH_MAX = 107;
}
