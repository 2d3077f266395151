package io.virtio4j.ovs.offload;

/**
 * The offload one frame carries through the switch, as its guest's virtio-net header asked and
 * {@link OffloadCheck} found consistent with the frame: whether the checksum from
 * {@link #csumStart} is still to be computed, and for a TCP super-frame its segment size and the
 * offsets of its network and TCP headers. Offsets count from the frame's first byte as it came
 * (a rewritten head shifts them by its length change). Reused per frame slot: nothing allocated.
 */
public final class FrameOffload {
    boolean needsCsum;
    int gsoType;
    boolean ecn;
    int gsoSize;
    int csumStart;
    int csumOffset;
    int l3Offset;
    int headersEnd;

    /** Not offloaded until {@link OffloadCheck#check} fills it. */
    public FrameOffload() {
    }

    /** No offload: a complete frame. */
    public void clear() {
        needsCsum = false;
        gsoType = 0;
        ecn = false;
        gsoSize = 0;
        csumStart = 0;
        csumOffset = 0;
        l3Offset = 0;
        headersEnd = 0;
    }

    /** Whether the frame carries any offload (a partial checksum, maybe a super-frame). */
    public boolean active() {
        return needsCsum;
    }

    /** Whether the checksum from {@link #csumStart} is still to be computed (VIRTIO_NET_HDR_F_NEEDS_CSUM). */
    public boolean needsCsum() {
        return needsCsum;
    }

    /** VIRTIO_NET_HDR_GSO_NONE, _TCPV4 or _TCPV6 (without the ECN bit). */
    public int gsoType() {
        return gsoType;
    }

    /** Whether a super-frame had VIRTIO_NET_HDR_GSO_ECN (its segments keep CWR only on the first). */
    public boolean ecn() {
        return ecn;
    }

    /** The TCP payload bytes per segment of a super-frame; 0 when not one. */
    public int gsoSize() {
        return gsoSize;
    }

    /** Where the checksummed range starts (the TCP or UDP header). */
    public int csumStart() {
        return csumStart;
    }

    /** Where, after {@link #csumStart}, the checksum field is. */
    public int csumOffset() {
        return csumOffset;
    }

    /** A super-frame's IPv4 or IPv6 header offset. */
    public int l3Offset() {
        return l3Offset;
    }

    /** A super-frame's end of headers (TCP header included): where the payload starts. */
    public int headersEnd() {
        return headersEnd;
    }
}
