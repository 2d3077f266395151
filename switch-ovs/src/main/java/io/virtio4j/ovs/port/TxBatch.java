package io.virtio4j.ovs.port;

import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.ovs.offload.FrameSink;
import io.virtio4j.ovs.offload.SoftwareOffload;
import io.virtio4j.vhostuser.net.VhostUserNetPort;
import java.lang.foreign.MemorySegment;

/**
 * What one burst sends to one destination port, in the order the frames came: each entry a frame
 * where it lies, the head to write before it (a rewritten header, or none) and where the frame
 * continues after the head, plus the frame's flow hash (a multi-queue port keeps a flow on one
 * queue pair with it). The port copies every entry once and publishes once
 * ({@link SwitchPort#transmit}), marking the entries it sent. Reused by one PMD thread.
 */
public final class TxBatch {
    /** Entries per destination and burst: every frame of a burst plus a reply per frame. */
    public static final int CAPACITY = 2 * FrameBatch.SIZE;

    private final Frame[] frames = new Frame[CAPACITY];
    private final MemorySegment[] heads = new MemorySegment[CAPACITY];
    private final int[] headLengths = new int[CAPACITY];
    private final long[] resumes = new long[CAPACITY];
    private final int[] hashes = new int[CAPACITY];
    /**
     * Per entry, the queue the destination port picked for it while transmitting: scratch kept here,
     * per PMD and destination, because several PMDs may transmit to one port at the same time.
     */
    private final int[] queues = new int[CAPACITY];
    private final SoftwareOffload offloads;
    private int count;
    private int sentFrames;
    private long sentBytes;

    /**
     * An empty batch with room for {@link #CAPACITY} entries, all arrays allocated now, and a
     * software offload of its own (for a batch used alone, as in tests).
     */
    public TxBatch() {
        this(new SoftwareOffload(VhostUserNetPort.MAX_GSO_FRAME));
    }

    /**
     * An empty batch whose ports complete and segment offloaded frames with {@code offloads}: the
     * executor keeps one batch per destination port, all sharing its PMD's one
     * {@link SoftwareOffload}, and reuses them burst after burst.
     */
    public TxBatch(SoftwareOffload offloads) {
        this.offloads = java.util.Objects.requireNonNull(offloads, "offloads");
    }

    /**
     * The transmitting PMD's software offload (scratch for the checksum and segmentation fallback,
     * and the header a carried-over offload is written from): a port uses it while it transmits
     * this batch, so two PMDs sending to one port never share one.
     */
    public SoftwareOffload offloads() {
        return offloads;
    }

    /** Entries queued in this burst, sent or not: indices {@code 0 .. count() - 1} are valid. */
    public int count() {
        return count;
    }

    /**
     * Whether another {@link #add} would throw: the executor then transmits the batch and clears it
     * before adding (only a verdict naming one port many times gets here).
     */
    public boolean isFull() {
        return count == CAPACITY;
    }

    /**
     * Adds a frame: the first {@code headLength} bytes of {@code head}, then {@code frame}'s bytes
     * from {@code resume} on ({@code 0 <= resume <= frame.length()}).
     */
    public void add(Frame frame, MemorySegment head, int headLength, long resume, int flowHash) {
        if (count == CAPACITY) {
            throw new IllegalStateException("more than " + CAPACITY + " frames for one port in a burst");
        }
        Frame.checkRange(resume, frame.length() - resume, frame.length());
        if (headLength < 0 || headLength > head.byteSize()) {
            throw new IndexOutOfBoundsException("head of " + headLength + " bytes in a segment of " + head.byteSize());
        }
        frames[count] = frame;
        heads[count] = head;
        headLengths[count] = headLength;
        resumes[count] = resume;
        hashes[count++] = flowHash;
    }

    /** Entry {@code i}'s frame, where it lies; the port copies its bytes from {@link #resume} on. */
    public Frame frame(int i) {
        return frames[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * Entry {@code i}'s head: the rewritten header bytes to write before the frame's rest (only the
     * first {@link #headLength} bytes count; {@link MemorySegment#NULL} when there is no head).
     */
    public MemorySegment head(int i) {
        return heads[java.util.Objects.checkIndex(i, count)];
    }

    /** Bytes of entry {@code i}'s {@link #head} to write first; 0 sends the frame as it came. */
    public int headLength(int i) {
        return headLengths[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * Where in entry {@code i}'s frame the copy continues after the head: the bytes the head
     * replaces are skipped; 0 when there is no head.
     */
    public long resume(int i) {
        return resumes[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * Entry {@code i}'s flow hash (from its Ethernet and IPv4 addresses): a multi-queue port picks the queue
     * pair with it, so one flow stays on one pair and in order. The executor computes it only for
     * ports with more than one queue pair; for the others it is 0.
     */
    public int flowHash(int i) {
        return hashes[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * Notes that the transmitting port sends entry {@code i} on its queue (pair) {@code queue};
     * only meaningful during that port's {@link SwitchPort#transmit} of this batch.
     */
    public void queue(int i, int queue) {
        queues[java.util.Objects.checkIndex(i, count)] = queue;
    }

    /** The queue the transmitting port noted for entry {@code i} with {@link #queue(int, int)}. */
    public int queue(int i) {
        return queues[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * Sends entry {@code i} through {@code sink} (as target 0), a frame that asks for an offload
     * (checksum, segmentation) first completed or segmented by {@link #offloads()}, and marks it
     * {@link #sent} if it went out: the transmit step of a port that writes frame by frame.
     */
    public void send(int i, FrameSink sink) {
        Frame frame = frame(i);
        FrameOffload offload = frame.offload();
        boolean sent = offload == null ? sink.send(0, frame, heads[i], headLengths[i], resumes[i])
                : offloads.send(frame, offload, heads[i], headLengths[i], resumes[i], sink, 0);
        if (sent) {
            sent(i);
        }
    }

    /** The port sent entry {@code i}: counted with its bytes on the wire (head + rest of the frame). */
    public void sent(int i) {
        Frame f = frame(i);
        sentFrames++;
        sentBytes += headLengths[i] + f.length() - resumes[i];
    }

    /** Entries the port sent. */
    public int sentFrames() {
        return sentFrames;
    }

    /** Bytes the port wrote for the entries it marked {@link #sent}: heads plus frame rests. */
    public long sentBytes() {
        return sentBytes;
    }

    /** Empties the batch (and its tallies) for the next burst. */
    public void clear() {
        for (int i = 0; i < count; i++) {
            frames[i] = null;
            heads[i] = null;
        }
        count = 0;
        sentFrames = 0;
        sentBytes = 0;
    }
}
