package io.virtio4j.api.platform.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} from {@code /usr/include/netinet/in.h}: {@code sa_family_t sin_family}
 * (host order), {@code in_port_t sin_port} and {@code struct in_addr sin_addr} (network order),
 * eight bytes of zero; 16 bytes. Addresses and ports are handled as host-order ints here.
 */
public final class SockaddrIn {
    private SockaddrIn() {
    }

    /** The layout of one {@code struct sockaddr_in}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("sin_family"),
            ValueLayout.JAVA_SHORT.withName("sin_port"),
            ValueLayout.JAVA_INT.withName("sin_addr"),
            MemoryLayout.paddingLayout(8)).withName("sockaddr_in");

    /** Size of {@code struct sockaddr_in}. */
    public static final int SIZE = (int) LAYOUT.byteSize();

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Writes an IPv4 address ({@code address} as 0xC0A80001 for 192.168.0.1) and UDP/TCP port at {@code offset}. */
    public static void set(MemorySegment segment, long offset, int family, int address, int port) {
        // In bounds: the accessors check [offset, offset + SIZE) against the segment.
        segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) family);
        segment.set(NET_SHORT, offset + 2, (short) port);
        segment.set(NET_INT, offset + 4, address);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8, 0L);
    }

    /** The address family stored at {@code offset}. */
    public static int family(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
    }

    /** The port stored at {@code offset}, host order. */
    public static int port(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(NET_SHORT, offset + 2));
    }

    /** The IPv4 address stored at {@code offset}, host order (0xC0A80001 for 192.168.0.1). */
    public static int address(MemorySegment segment, long offset) {
        return segment.get(NET_INT, offset + 4);
    }
}
