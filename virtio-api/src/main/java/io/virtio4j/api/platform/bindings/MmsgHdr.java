package io.virtio4j.api.platform.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct mmsghdr} from {@code /usr/include/x86_64-linux-gnu/bits/socket.h}: a
 * {@code struct msghdr} ({@link MsgHdr}) followed by {@code unsigned int msg_len}, 64 bytes on LP64. Accessors
 * in the style jextract generates; {@code index} addresses the {@code index}-th element of an array.
 * Addresses are raw: the caller proves what they point at (the platform checks only the array).
 */
public final class MmsgHdr {
    private MmsgHdr() {
    }

    /** The layout of one {@code struct mmsghdr}: a {@link MsgHdr#LAYOUT} then {@code msg_len}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MsgHdr.LAYOUT.withName("msg_hdr"),
            ValueLayout.JAVA_INT.withName("msg_len"),
            MemoryLayout.paddingLayout(4)).withName("mmsghdr");

    /** Size of one {@code struct mmsghdr} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();

    // msg_hdr is at offset 0, so its fields are where MsgHdr puts them.
    private static final long NAME = MsgHdr.offset("msg_name");
    private static final long NAMELEN = MsgHdr.offset("msg_namelen");
    private static final long IOV = MsgHdr.MSG_IOV;
    private static final long IOVLEN = MsgHdr.MSG_IOVLEN;
    private static final long CONTROL = MsgHdr.MSG_CONTROL;
    private static final long CONTROLLEN = MsgHdr.MSG_CONTROLLEN;
    private static final long FLAGS = MsgHdr.MSG_FLAGS;
    private static final long LEN = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("msg_len"));

    /** The byte size of an array of {@code count} messages. */
    public static long arraySize(int count) {
        return SIZE * count;
    }

    /**
     * Sets element {@code index}: its address ({@code nameLength} bytes at {@code name}, or 0/0 for
     * none), {@code iovCount} iovecs at {@code iov}, no control data, flags and length zeroed.
     */
    public static void set(MemorySegment array, int index, long name, int nameLength, long iov, long iovCount) {
        long base = SIZE * index;
        // In bounds: the segment accessors check every field of [base, base + SIZE) against the array.
        array.set(ValueLayout.JAVA_LONG, base + NAME, name);
        array.set(ValueLayout.JAVA_INT, base + NAMELEN, nameLength);
        array.set(ValueLayout.JAVA_LONG, base + IOV, iov);
        array.set(ValueLayout.JAVA_LONG, base + IOVLEN, iovCount);
        array.set(ValueLayout.JAVA_LONG, base + CONTROL, 0L);
        array.set(ValueLayout.JAVA_LONG, base + CONTROLLEN, 0L);
        array.set(ValueLayout.JAVA_INT, base + FLAGS, 0);
        array.set(ValueLayout.JAVA_INT, base + LEN, 0);
    }

    /** Sets element {@code index}'s {@code msg_namelen} (recvmmsg writes the length it stored back). */
    public static void nameLength(MemorySegment array, int index, int length) {
        array.set(ValueLayout.JAVA_INT, SIZE * index + NAMELEN, length);
    }

    /** Element {@code index}'s {@code msg_namelen}: after recvmmsg, the length of the sender's address. */
    public static int nameLength(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_INT, SIZE * index + NAMELEN);
    }

    /** Element {@code index}'s {@code msg_len}: bytes sent or received for it. */
    public static int length(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_INT, SIZE * index + LEN);
    }

    /** Element {@code index}'s {@code msg_flags} after recvmmsg (MSG_TRUNC: the datagram did not fit). */
    public static int flags(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_INT, SIZE * index + FLAGS);
    }

    /** Clears element {@code index}'s {@code msg_flags} and {@code msg_len} before it is reused. */
    public static void clearResult(MemorySegment array, int index) {
        array.set(ValueLayout.JAVA_INT, SIZE * index + FLAGS, 0);
        array.set(ValueLayout.JAVA_INT, SIZE * index + LEN, 0);
    }
}
