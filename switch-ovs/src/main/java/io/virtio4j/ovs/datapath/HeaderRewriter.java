package io.virtio4j.ovs.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.pipeline.Verdict;

/**
 * Builds the header a frame leaves with, from the first bytes the executor read for the pipeline:
 * the 802.1Q tag pushed (to a trunk, or OpenFlow's push_vlan) or popped (to an access port, or
 * OpenFlow's pop_vlan), its priority set, the Ethernet addresses set and
 * the IPv4 TTL decremented with the checksum adjusted incrementally, as the {@link Verdict} says.
 * A port then writes this head and copies the rest of the frame from the source once. When nothing
 * changes for an output, there is no head and the frame is copied as it is. At most two heads per
 * frame (untagged and tagged), built on first use and shared by every output of a flood.
 * One per PMD thread; nothing allocated per frame.
 */
final class HeaderRewriter {
    static final int TPID_8021Q = 0x8100;
    static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int MAC_BYTES = 6;
    private static final int ETH_ADDRESSES = 12;
    private static final int TAG_BYTES = 4;
    private static final int IPV4_MIN_HEADER = 20;

    private final MemorySegment[] heads = new MemorySegment[2];
    private final int[] headLengths = new int[2];
    private final boolean[] built = new boolean[2];
    private MemorySegment in;
    private int inLength;
    private boolean inTagged;
    private int inTci;
    private Verdict verdict;
    private boolean rewrites;
    /** The priority and DEI bits a tag written here carries: the received ones, or the verdict's priority. */
    private int tci;
    private boolean partialChecksum;

    HeaderRewriter() {
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < 2; i++) {
            heads[i] = arena.allocate(FramePipeline.HEADER_BYTES + TAG_BYTES, 8);
        }
    }

    /**
     * Starts a frame whose first {@code headerLength} bytes are in {@code header}. Returns false
     * when the frame is malformed (no Ethernet header, or a tag without room for it).
     */
    boolean start(MemorySegment header, int headerLength, Verdict decision) {
        return start(header, headerLength, decision, false);
    }

    /**
     * As {@link #start(MemorySegment, int, Verdict)}; {@code partialChecksum}: the frame's TCP or
     * UDP checksum is a partial sum the device completes (an address rewrite updates it as one).
     */
    boolean start(MemorySegment header, int headerLength, Verdict decision, boolean partialChecksum) {
        this.partialChecksum = partialChecksum;
        if (headerLength < 14) {
            return false;
        }
        this.in = header;
        this.inLength = headerLength;
        // In bounds: headerLength >= 14 bytes were read into header.
        this.inTagged = NetworkOrder.u16(header, 12) == TPID_8021Q;
        if (inTagged && headerLength < 18) {
            return false;
        }
        this.inTci = inTagged ? NetworkOrder.u16(header, 14) : 0;
        this.verdict = decision;
        this.rewrites = decision.ethSource() != Verdict.NO_MAC || decision.ethDestination() != Verdict.NO_MAC
                || decision.decrementTtl() || decision.ipv4Source() != Verdict.KEEP_IPV4
                || decision.ipv4Destination() != Verdict.KEEP_IPV4;
        this.tci = decision.vlanPcp() == Verdict.KEEP_PCP ? inTci & 0xf000 : decision.vlanPcp() << 13 | inTci & 0x1000;
        built[0] = false;
        built[1] = false;
        return true;
    }

    /** Whether the frame {@link #start} was given arrived with an 802.1Q tag. */
    boolean ingressTagged() {
        return inTagged;
    }

    /** The whole TCI (PCP, DEI, VLAN id) the frame arrived with, or 0 when it came untagged. */
    int ingressTci() {
        return inTci;
    }

    /** The VLAN id of the tag the frame arrived with, or 0 when it came untagged. */
    int ingressVlan() {
        return inTagged ? inTci & 0xfff : 0;
    }

    /**
     * The head length for an output that is {@code tagged} (a trunk) or not: 0 means "copy the
     * frame as received"; otherwise {@link #head} holds that many bytes and the frame continues
     * from {@link #resume()}.
     */
    int headLength(boolean tagged) {
        int vlan = verdict.egressVlan();
        boolean unchanged = !rewrites && tagged == inTagged && (!tagged || inTci == (tci | (vlan & 0xfff)));
        if (unchanged) {
            return 0;
        }
        int i = tagged ? 1 : 0;
        if (!built[i]) {
            headLengths[i] = build(heads[i], tagged, vlan);
            built[i] = true;
        }
        return headLengths[i];
    }

    MemorySegment head(boolean tagged) {
        return heads[tagged ? 1 : 0];
    }

    /** Where the source frame continues after a head: past the bytes the head replaces. */
    long resume() {
        return inLength;
    }

    private int build(MemorySegment out, boolean tagged, int vlan) {
        // In bounds throughout: out holds HEADER_BYTES + 4 bytes; in holds inLength <= HEADER_BYTES
        // bytes (inLength >= 14, >= 18 when tagged, checked in start).
        MemorySegment.copy(in, 0, out, 0, ETH_ADDRESSES);
        // In bounds: the addresses are bytes 0..11 of out.
        if (verdict.ethDestination() != Verdict.NO_MAC) {
            NetworkOrder.putMac(out, 0, verdict.ethDestination());
        }
        if (verdict.ethSource() != Verdict.NO_MAC) {
            NetworkOrder.putMac(out, MAC_BYTES, verdict.ethSource());
        }
        int at = ETH_ADDRESSES;
        if (tagged) {
            // The priority bits the frame came with (or the verdict's priority); the VLAN id is the egress VLAN.
            putTag(out, tci | (vlan & 0xfff));
            at += TAG_BYTES;
        }
        int rest = inTagged ? ETH_ADDRESSES + TAG_BYTES : ETH_ADDRESSES;
        MemorySegment.copy(in, rest, out, at, inLength - rest);
        int length = at + inLength - rest;
        if (verdict.decrementTtl()) {
            // at is where the (inner) ethertype sits; the IPv4 header follows it.
            decrementTtl(out, at + 2, length);
        }
        // In bounds: at + 2 <= length (the ethertype was copied into the head).
        if ((verdict.ipv4Source() != Verdict.KEEP_IPV4 || verdict.ipv4Destination() != Verdict.KEEP_IPV4)
                && NetworkOrder.u16(out, at) == ETHERTYPE_IPV4) {
            Ipv4AddressRewrite.apply(out, at + 2, length, verdict, partialChecksum);
        }
        return length;
    }

    /** TTL - 1 and the checksum adjusted (RFC 1624) for the IPv4 header at {@code l3}, if there is one. */
    private static void decrementTtl(MemorySegment out, int l3, int length) {
        // In bounds: l3 - 2 >= 12 is inside the head; the IPv4 fields are touched only once
        // l3 + 20 <= length <= the head segment's size is known.
        if (NetworkOrder.u16(out, l3 - 2) != ETHERTYPE_IPV4 || l3 + IPV4_MIN_HEADER > length
                || NetworkOrder.u8(out, l3 + 8) == 0) {
            return;
        }
        Checksum.decrementTtl(out, l3);
    }

    /** Writes an 802.1Q tag with {@code tci} after the Ethernet addresses of {@code out}. */
    private static void putTag(MemorySegment out, int tci) {
        // In bounds: bytes 12..15 of a head or reply buffer, each longer than 16 bytes (the segment checks too).
        NetworkOrder.putU16(out, ETH_ADDRESSES, TPID_8021Q);
        NetworkOrder.putU16(out, ETH_ADDRESSES + 2, tci);
    }

    /**
     * Copies the untagged frame {@code in} ({@code length} bytes, at least the Ethernet addresses)
     * into {@code out} with a tag of {@code vlan} inserted: for a generated reply that leaves by a
     * trunk. Returns the tagged length; {@code out} must hold {@code length + 4} bytes.
     */
    static int tagged(MemorySegment in, int length, MemorySegment out, int vlan) {
        // In bounds: the caller guarantees length >= 12 bytes of in and length + 4 bytes of out.
        MemorySegment.copy(in, 0, out, 0, ETH_ADDRESSES);
        putTag(out, vlan & 0xfff);
        MemorySegment.copy(in, ETH_ADDRESSES, out, ETH_ADDRESSES + TAG_BYTES, length - ETH_ADDRESSES);
        return length + TAG_BYTES;
    }
}
