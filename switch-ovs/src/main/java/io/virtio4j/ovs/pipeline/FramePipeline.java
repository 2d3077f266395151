package io.virtio4j.ovs.pipeline;

import java.lang.foreign.MemorySegment;

/**
 * The switch's decision for one frame: which ports it leaves by and what is rewritten on the way
 * (the OVS flow program: L2 learning and forwarding, and ovs-only routing). The data path reads a
 * frame's first bytes into a per-PMD scratch, calls this, then executes the {@link Verdict}: one
 * copy from the source buffers into each destination, rewrites applied in the destination.
 *
 * <p>Called on PMD threads, possibly several at once: implementations are thread-safe and never
 * allocate in steady state. Each PMD thread makes its own context once ({@link #newContext}) and
 * passes it to every call: its per-thread state (scratch, exact-match cache, counters) is handed
 * in, never looked up per frame.
 */
public interface FramePipeline {
    /**
     * The most header bytes the pipeline reads: Ethernet + 802.1Q + an IPv4 header with options + 8
     * bytes of L4 need 86; 128 also holds a standard ping to the gateway (56 data bytes, 98 on the
     * wire) so the switch can answer it whole. Frames are still copied once: these bytes are read
     * into a per-PMD scratch to decide, not forwarded from it.
     */
    int HEADER_BYTES = 128;

    /**
     * Decides the fate of one frame.
     *
     * @param inPort       the port index the frame came in on (position in the switch spec)
     * @param header       the frame's first {@code headerLength} bytes, 802.1Q tag as received
     * @param headerLength {@code min(frameLength, HEADER_BYTES)}
     * @param frameLength  the whole frame's length (without the virtio-net header)
     * @param nowNanos     {@code System.nanoTime()} of the burst, for learning and ageing
     * @param verdict      cleared by the caller; filled with outputs, rewrites, a reply or a drop reason
     */
    void process(int inPort, MemorySegment header, int headerLength, int frameLength, long nowNanos, Verdict verdict);

    /**
     * A context for one PMD thread, to pass to every {@link #process(PmdContext, int, MemorySegment,
     * int, int, long, Verdict)} call from that thread; null for a pipeline that keeps no per-thread state.
     */
    default PmdContext newContext() {
        return null;
    }

    /**
     * Starts a burst on the calling PMD thread: the pipeline reads what it needs once per burst
     * (ageing deadlines, table generations) into {@code context}. Every {@link #process(PmdContext,
     * int, MemorySegment, int, int, long, Verdict)} call lies between this and {@link #endBurst}.
     *
     * @param context  the thread's context from {@link #newContext} (null if it returned null)
     * @param nowNanos {@code System.nanoTime()} of the burst, the same value passed with its frames
     */
    default void beginBurst(PmdContext context, long nowNanos) {
    }

    /**
     * Ends the burst begun by {@link #beginBurst}: counts kept per burst reach the shared counters,
     * so the control interface sees exact totals after every burst.
     */
    default void endBurst(PmdContext context) {
    }

    /**
     * As {@link #process(int, MemorySegment, int, int, long, Verdict)} on the data path: with the
     * calling PMD thread's own {@code context} (from {@link #newContext}, never shared between threads),
     * between {@link #beginBurst} and {@link #endBurst}.
     */
    default void process(PmdContext context, int inPort, MemorySegment header, int headerLength, int frameLength,
                         long nowNanos, Verdict verdict) {
        process(inPort, header, headerLength, frameLength, nowNanos, verdict);
    }

    /**
     * After a live reconfiguration, before any frame reaches this (new) pipeline: takes over what
     * {@code previous} had learned about ports that stay, port {@code i} of the previous one being
     * port {@code newIndexOfOld[i]} here (-1: removed, its entries are dropped). Nothing by default.
     */
    default void adoptLearned(FramePipeline previous, int[] newIndexOfOld) {
    }
}
