package io.virtio4j.tap;

import io.virtio4j.api.platform.NativeException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * {@link TunIoctls} on libc through JNA. JNA marshals the Java arrays to native memory of the same
 * length for the call and copies them back afterwards, so the kernel only sees buffers of the size
 * it expects: 40 bytes for {@code struct ifreq} (checked by {@link IfReq#SIZE}) and 4 for an int.
 */
public final class JnaTunIoctls implements TunIoctls {
    /** The libc functions used; {@code throws LastErrorException} makes JNA capture errno. */
    interface LibC extends Library {
        int ioctl(int fd, NativeLong request, byte[] arg) throws LastErrorException;

        int ioctl(int fd, NativeLong request, int[] arg) throws LastErrorException;

        int ioctl(int fd, NativeLong request, NativeLong arg) throws LastErrorException;
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    /** The JNA implementation; libc is bound once, when the class loads. */
    public JnaTunIoctls() {
        // Stateless: every call goes to LIBC.
    }

    @Override
    public int ioctlIfreq(int fd, long request, byte[] ifreq) {
        if (ifreq.length != IfReq.SIZE) {
            // The kernel copies sizeof(struct ifreq) bytes: a shorter array would let it read past our buffer.
            throw new IllegalArgumentException("ifreq must be " + IfReq.SIZE + " bytes, was " + ifreq.length);
        }
        try {
            return LIBC.ioctl(fd, new NativeLong(request), ifreq);
        } catch (LastErrorException e) {
            throw failed(request, e);
        }
    }

    @Override
    public int ioctlIntPointer(int fd, long request, int[] value) {
        if (value.length != 1) {
            throw new IllegalArgumentException("an int-pointer ioctl takes exactly one int");
        }
        try {
            return LIBC.ioctl(fd, new NativeLong(request), value);
        } catch (LastErrorException e) {
            throw failed(request, e);
        }
    }

    @Override
    public int ioctlValue(int fd, long request, long value) {
        try {
            return LIBC.ioctl(fd, new NativeLong(request), new NativeLong(value));
        } catch (LastErrorException e) {
            throw failed(request, e);
        }
    }

    /** A failed ioctl in the native layer's convention: the errno, with the request named. */
    private static NativeException failed(long request, LastErrorException e) {
        return new NativeException("ioctl", "request 0x" + Long.toHexString(request), e.getErrorCode());
    }
}
