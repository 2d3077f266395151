package io.virtio4j.ovs.packet;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624), over a MemorySegment so
 * the executor can patch a frame where it lies, in the destination's buffer.
 */
public final class Checksum {
    private Checksum() {
    }

    /**
     * The ones'-complement sum of {@code length} bytes from {@code offset}, added to {@code initial}
     * and not yet folded or complemented (so sums over pieces can be chained).
     */
    public static long sum(MemorySegment s, long offset, int length, long initial) {
        long acc = initial;
        int i = 0;
        // The segment checks every read against its own bounds; callers pass ranges they validated.
        for (; i + 1 < length; i += 2) {
            acc += NetworkOrder.u16(s, offset + i);
        }
        if (i < length) {
            acc += NetworkOrder.u8(s, offset + i) << 8;
        }
        return acc;
    }

    /** Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** The checksum to store over {@code length} bytes (with the checksum field itself zero). */
    public static int compute(MemorySegment s, long offset, int length) {
        return finish(sum(s, offset, length, 0));
    }

    /** Whether the bytes, checksum field included, sum to all ones (a valid checksum). */
    public static boolean verify(MemorySegment s, long offset, int length) {
        return compute(s, offset, length) == 0;
    }

    /**
     * RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data changed from
     * {@code oldWord} to {@code newWord}: {@code HC' = ~(~HC + ~m + m')}. Eqn. 3, not RFC 1141's
     * eqn. 2, because eqn. 2 yields the wrong zero (0x0000 for 0xffff) in one case (RFC 1624 section 3).
     */
    public static int adjust(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return finish(sum);
    }

    /**
     * The same update for a field that holds a partial sum rather than a checksum (a TCP or UDP
     * checksum a guest left to the device, VIRTIO_NET_HDR_F_NEEDS_CSUM: the folded pseudo-header
     * sum, not complemented): {@code S' = S + ~m + m'}, folded, without the complements.
     */
    public static int adjustPartial(int sum, int oldWord, int newWord) {
        long s = (sum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** Applies {@link #adjust} to the checksum field at {@code checksumOffset} in place. */
    public static void adjustInPlace(MemorySegment s, long checksumOffset, int oldWord, int newWord) {
        int checksum = NetworkOrder.u16(s, checksumOffset);
        NetworkOrder.putU16(s, checksumOffset, adjust(checksum, oldWord, newWord));
    }

    /**
     * Decrements the TTL of the IPv4 header at {@code ipOffset} and updates its header checksum
     * incrementally (RFC 1624), touching 3 bytes instead of summing the header again. The caller
     * has checked the TTL is above 1 (the pipeline drops the frame otherwise). The TTL shares its
     * 16-bit checksum word with the protocol byte, so that word is what changes.
     *
     * @throws IndexOutOfBoundsException if the header does not lie within {@code s} (the segment checks)
     */
    public static void decrementTtl(MemorySegment s, long ipOffset) {
        int oldWord = NetworkOrder.u16(s, ipOffset + Ipv4Header.TTL);
        int newWord = oldWord - 0x0100;
        NetworkOrder.putU8(s, ipOffset + Ipv4Header.TTL, newWord >>> 8);
        adjustInPlace(s, ipOffset + Ipv4Header.CHECKSUM, oldWord, newWord);
    }
}
