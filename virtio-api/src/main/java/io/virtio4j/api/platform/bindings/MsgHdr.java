package io.virtio4j.api.platform.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct msghdr} and {@code struct cmsghdr} from {@code bits/socket.h} (LP64), for
 * {@code sendmsg}/{@code recvmsg} with {@code SCM_RIGHTS} control messages, and the {@code CMSG_*}
 * macros. Offsets only: the caller fills the structs in its own segments.
 */
public final class MsgHdr {
    private MsgHdr() {
    }

    /** The layout of one {@code struct msghdr}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("msg_name"),
            ValueLayout.JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("msg_iov"),
            ValueLayout.JAVA_LONG.withName("msg_iovlen"),
            ValueLayout.ADDRESS.withName("msg_control"),
            ValueLayout.JAVA_LONG.withName("msg_controllen"),
            ValueLayout.JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4)).withName("msghdr");

    /** Size of {@code struct msghdr} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code msg_iov}. */
    public static final long MSG_IOV = offset("msg_iov");
    /** Offset of {@code msg_iovlen}. */
    public static final long MSG_IOVLEN = offset("msg_iovlen");
    /** Offset of {@code msg_control}. */
    public static final long MSG_CONTROL = offset("msg_control");
    /** Offset of {@code msg_controllen}. */
    public static final long MSG_CONTROLLEN = offset("msg_controllen");
    /** Offset of {@code msg_flags}. */
    public static final long MSG_FLAGS = offset("msg_flags");

    /** Size of {@code struct cmsghdr} ({@code size_t cmsg_len; int cmsg_level; int cmsg_type}), where data starts. */
    public static final int CMSG_HDR_SIZE = 16;
    /** Offset of {@code cmsg_len} in {@code struct cmsghdr}. */
    public static final int CMSG_LEN = 0;
    /** Offset of {@code cmsg_level} in {@code struct cmsghdr}. */
    public static final int CMSG_LEVEL = 8;
    /** Offset of {@code cmsg_type} in {@code struct cmsghdr}. */
    public static final int CMSG_TYPE = 12;

    /** Offset of {@code field} in {@code struct msghdr}. */
    static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** {@code CMSG_ALIGN}: control messages are padded to 8 bytes. */
    public static long cmsgAlign(long n) {
        return (n + 7) & ~7L;
    }

    /** {@code CMSG_SPACE(n)}: the buffer room for a control message with {@code dataBytes} of data. */
    public static long cmsgSpace(long dataBytes) {
        return CMSG_HDR_SIZE + cmsgAlign(dataBytes);
    }

    /** {@code CMSG_LEN(n)}: the {@code cmsg_len} of a control message with {@code dataBytes} of data. */
    public static long cmsgLen(long dataBytes) {
        return CMSG_HDR_SIZE + dataBytes;
    }
}
