package io.virtio4j.ovs.port;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.net.VhostUserNetPort;

/**
 * A received frame where it lies (a guest's TX chain, a TAP's receive buffer, an in-process ring
 * slot), without the virtio-net header. Destination ports take their one copy straight from it;
 * each kind of destination has one method here, so the copy needs no intermediate buffer. Valid
 * until the port that received it is released ({@link SwitchPort#release}); the objects are
 * reused burst after burst.
 */
public interface Frame {
    /** Bytes of the frame. */
    long length();

    /**
     * The checksum or segmentation offload the frame still needs (its guest's checked virtio-net
     * header), or null for a complete frame: every frame but a guest's offloaded one.
     */
    default FrameOffload offload() {
        return null;
    }

    /** Copies {@code length} bytes from {@code offset} of the frame to {@code dst} at {@code dstOffset}. */
    void read(long offset, MemorySegment dst, long dstOffset, long length);

    /**
     * Copies {@code head} (its first {@code headLength} bytes) and then the frame's bytes from
     * {@code offset} to the end into an RX chain of {@code port}'s queue pair {@code pair}, which the
     * caller opened for the burst ({@link VhostUserNetPort#openRx}).
     */
    boolean deliverTo(VhostUserNetPort port, int pair, MemorySegment head, long headLength, long offset);

    /**
     * Points {@code iovecs} from index {@code first} at the frame's bytes from {@code offset} to the
     * end, for a writev that copies them once. Returns the index after the last iovec used, or -1
     * when the array is too short or the memory is no longer mapped.
     */
    int mapIovecs(IovecArray iovecs, int first, long offset);

    /** Throws unless [{@code offset}, {@code offset + count}) lies inside a frame of {@code length} bytes. */
    static void checkRange(long offset, long count, long length) {
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IndexOutOfBoundsException("[" + offset + ", +" + count + ") outside a frame of " + length);
        }
    }
}
