package io.virtio4j.tap;

import io.virtio4j.api.platform.NativeException;

/**
 * The TUN ioctls of the TAP backend, the one thing done through JNA (everything else, the open and
 * close of {@code /dev/net/tun} and sockets included, goes through
 * {@link io.virtio4j.api.platform.Platform}), behind an interface so unit tests can mock the
 * kernel. The native layer's convention: a call returns its non-negative result or throws
 * {@link NativeException} with the errno, which the caller turns into a message that says what to
 * do. None of these is on the per-packet path.
 */
public interface TunIoctls {
    /**
     * {@code ioctl(fd, request, ifreq)} with a {@link IfReq#SIZE}-byte {@code struct ifreq}, read and written in place.
     *
     * @throws NativeException when the kernel refuses it
     */
    int ioctlIfreq(int fd, long request, byte[] ifreq);

    /**
     * {@code ioctl(fd, request, &value[0])}: the argument is a pointer to one {@code int}, read and written in place.
     *
     * @throws NativeException when the kernel refuses it
     */
    int ioctlIntPointer(int fd, long request, int[] value);

    /**
     * {@code ioctl(fd, request, value)}: the argument passed by value.
     *
     * @throws NativeException when the kernel refuses it
     */
    int ioctlValue(int fd, long request, long value);
}
