package io.virtio4j.ovs.datapath;

/**
 * Incremental update of the Internet checksum (RFC 1624, equation 3): when one 16-bit word of a
 * header changes from {@code m} to {@code m'}, the new checksum is {@code ~(~HC + ~m + m')} in
 * one's complement arithmetic, so a TTL decrement never re-sums the whole header.
 */
public final class Ipv4Checksum {
    private Ipv4Checksum() {
    }

    /** The checksum after the word {@code oldWord} became {@code newWord} (all 16-bit values). */
    public static int adjust(int checksum, int oldWord, int newWord) {
        int sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    /** The full checksum of {@code length} header bytes of {@code bytes} from {@code offset} (checksum field included as stored). */
    public static int compute(java.lang.foreign.MemorySegment bytes, long offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + i) & 0xff) << 8)
                    | (bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + i + 1) & 0xff);
        }
        if ((length & 1) != 0) {
            sum += (bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + length - 1) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
