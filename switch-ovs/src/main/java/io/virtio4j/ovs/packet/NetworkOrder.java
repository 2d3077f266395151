package io.virtio4j.ovs.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian (network order) reads and writes of the field sizes protocol headers use. Every
 * access goes through {@link MemorySegment}, which checks bounds itself; callers still check
 * offsets against the header length first so that a short frame is reported as malformed instead
 * of surfacing as an exception.
 */
public final class NetworkOrder {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkOrder() {
    }

    /** An 8-bit field. */
    public static int u8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    /** A 16-bit big-endian field. */
    public static int u16(MemorySegment s, long offset) {
        return s.get(U16, offset) & 0xffff;
    }

    /** A 32-bit field as an int (IPv4 addresses are held this way, first octet most significant). */
    public static int u32(MemorySegment s, long offset) {
        return s.get(U32, offset);
    }

    /** A 64-bit big-endian field (half an IPv6 address). */
    public static long u64(MemorySegment s, long offset) {
        return s.get(U64, offset);
    }

    /** A 48-bit MAC address into the low bits of a long. */
    public static long mac(MemorySegment s, long offset) {
        return ((long) u16(s, offset) << 32) | (u32(s, offset + 2) & 0xffff_ffffL);
    }

    /** Writes an 8-bit field. */
    public static void putU8(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    /** Writes a 16-bit field big-endian. */
    public static void putU16(MemorySegment s, long offset, int value) {
        s.set(U16, offset, (short) value);
    }

    /** Writes a 32-bit field big-endian. */
    public static void putU32(MemorySegment s, long offset, int value) {
        s.set(U32, offset, value);
    }

    /** Writes a MAC held in the low 48 bits of {@code mac}. */
    public static void putMac(MemorySegment s, long offset, long mac) {
        putU16(s, offset, (int) (mac >>> 32));
        putU32(s, offset + 2, (int) mac);
    }
}
