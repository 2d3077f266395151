package io.virtio4j.tap;

/**
 * The setup-time system calls of the TAP backend, behind an interface so unit tests can mock the
 * kernel. Every method returns the call's non-negative result or {@code -errno}: the caller turns
 * errnos into messages that say what to do. None of these is on the per-packet path.
 */
public interface TunIoctls {
    /** {@code open(path, flags)}: the new fd or {@code -errno}. */
    int open(String path, int flags);

    /** {@code ioctl(fd, request, ifreq)} with a {@link IfReq#SIZE}-byte {@code struct ifreq}, read and written in place. */
    int ioctlIfreq(int fd, long request, byte[] ifreq);

    /** {@code ioctl(fd, request, &value[0])}: the argument is a pointer to one {@code int}, read and written in place. */
    int ioctlIntPointer(int fd, long request, int[] value);

    /** {@code ioctl(fd, request, value)}: the argument passed by value. */
    int ioctlValue(int fd, long request, long value);

    /** {@code socket(domain, type, protocol)}: the new fd or {@code -errno}. */
    int socket(int domain, int type, int protocol);

    /** {@code close(fd)}: 0 or {@code -errno}. */
    int close(int fd);
}
