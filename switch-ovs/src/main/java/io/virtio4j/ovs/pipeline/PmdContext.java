package io.virtio4j.ovs.pipeline;

import io.virtio4j.ovs.flow.Counters;
import io.virtio4j.ovs.flow.ExactMatchCache;
import io.virtio4j.ovs.flow.Resolution;
import io.virtio4j.ovs.flow.Translation;
import io.virtio4j.ovs.packet.ParsedFrame;

/**
 * What one PMD thread uses in the pipeline and nobody else writes: its parsed frame, translation
 * scratch, exact-match cache and counters. Made once per PMD thread ({@link FramePipeline#newContext})
 * and passed to the pipeline with every frame; opaque outside this package.
 *
 * <p>Within a burst ({@link FramePipeline#beginBurst} to {@link FramePipeline#endBurst}) it also
 * holds what the pipeline reads once per burst instead of once per frame (the tables'
 * generations) and the per-frame counts kept in plain fields until the burst ends, when they are
 * added to the shared counters in one store each (as OVS's dp_netdev_input__ counts per batch).
 */
public final class PmdContext {
    final ParsedFrame frame = new ParsedFrame();
    final Translation translation = new Translation();
    final Resolution resolution = new Resolution();
    final ExactMatchCache emc;
    final Counters drops = new Counters(DropReason.values().length);
    final Counters counters = new Counters(PipelineCounter.values().length);
    final Counters tableLookups;
    final Counters tableMatches;
    final Counters flowPackets;

    /** The FDB's generation as read at the burst's start (or after this thread changed it). */
    long fdbGeneration;
    /** The neighbour table's generation, read as {@link #fdbGeneration}. */
    long neighbourGeneration;
    /**
     * The station this burst last learned (VLAN, MAC, port; VLAN 0: none yet) and the neighbour it
     * last refreshed (VLAN, IP, MAC): a burst's frames mostly come from one host, and learning it
     * again with the burst's same timestamp changes nothing, so it is done once per burst and
     * station, as OVS learns per batch, not once per frame.
     */
    int learnedVlan;
    long learnedMac;
    int learnedPort;
    int refreshedVlan;
    int refreshedIp;
    long refreshedMac;
    /**
     * The exact-match key of the burst's previous frame (in port -1: none) and the generations it
     * was resolved under: while the next frame has the same key and the tables have not changed,
     * {@link #resolution} already holds its resolution, so neither the cache nor the tables are
     * asked again (OVS groups a batch's packets by flow for the same reason). {@code run} frames
     * with that resolution have not had their flows counted yet.
     */
    int memoInPort = -1;
    int memoVlan;
    long memoEthDst;
    int memoEthType;
    int memoNwDst;
    long memoFdbGeneration;
    long memoNeighbourGeneration;
    long run;
    /**
     * Whether the verdict of the burst's previous frame was made from {@link #resolution} alone (no
     * reply, no drop, nothing read from that frame but its key): the next frame with the same key
     * may then repeat it ({@link Verdict#repeatPrevious}) instead of having it made again.
     */
    boolean verdictRepeatable;
    /** Frames and EMC hits of this burst, not yet in {@link #counters}. */
    long burstFrames;
    long burstEmcHits;
    /** Packets per flow of this burst, not yet in {@link #flowPackets}; burstFlowIds lists the flows with some. */
    private final long[] burstFlowPackets;
    private final int[] burstFlowIds;
    private int burstFlowCount;

    PmdContext(int emcEntries, int tables, int flows) {
        emc = new ExactMatchCache(emcEntries);
        tableLookups = new Counters(tables);
        tableMatches = new Counters(tables);
        flowPackets = new Counters(flows);
        burstFlowPackets = new long[flows];
        burstFlowIds = new int[flows];
    }

    /** Forgets the burst's learned station and refreshed neighbour: the next burst has another timestamp. */
    void startBurst() {
        learnedVlan = 0;
        refreshedVlan = 0;
        memoInPort = -1;
        run = 0;
        verdictRepeatable = false;
    }

    /** Whether frame {@code f} from {@code inPort} has the key {@link #resolution} was resolved for, under the current generations. */
    boolean sameKey(int inPort, ParsedFrame f) {
        return inPort == memoInPort && f.vlan() == memoVlan && f.ethDestination() == memoEthDst
                && f.ethType() == memoEthType && f.networkDestination() == memoNwDst
                && fdbGeneration == memoFdbGeneration && neighbourGeneration == memoNeighbourGeneration;
    }

    /** Remembers frame {@code f}'s key as the one {@link #resolution} now holds, resolved under the current generations. */
    void remember(int inPort, ParsedFrame f) {
        memoInPort = inPort;
        memoVlan = f.vlan();
        memoEthDst = f.ethDestination();
        memoEthType = f.ethType();
        memoNwDst = f.networkDestination();
        memoFdbGeneration = fdbGeneration;
        memoNeighbourGeneration = neighbourGeneration;
    }

    /**
     * Counts the {@link #run} frames resolved alike against each flow of {@link #resolution} and
     * forgets the key, before the resolution is overwritten (a failure part way through the next
     * translation must not leave a remembered key beside a half-written resolution).
     */
    void countRun() {
        memoInPort = -1;
        if (run != 0) {
            for (int i = 0; i < resolution.flowCount(); i++) {
                int flow = resolution.flow(i);
                if (burstFlowPackets[flow] == 0) {
                    burstFlowIds[burstFlowCount++] = flow; // in bounds: each flow is listed once, and there are flows of them
                }
                burstFlowPackets[flow] += run;
            }
            run = 0;
        }
    }

    /** Adds the burst's counts to the shared counters (one store per counter that moved) and zeroes them. */
    void flushBurst() {
        countRun();
        if (burstFrames != 0) {
            counters.add(PipelineCounter.FRAMES.ordinal(), burstFrames);
            burstFrames = 0;
        }
        if (burstEmcHits != 0) {
            counters.add(PipelineCounter.EMC_HITS.ordinal(), burstEmcHits);
            burstEmcHits = 0;
        }
        for (int i = 0; i < burstFlowCount; i++) {
            int flow = burstFlowIds[i];
            flowPackets.add(flow, burstFlowPackets[flow]);
            burstFlowPackets[flow] = 0;
        }
        burstFlowCount = 0;
    }

    void count(PipelineCounter c) {
        counters.increment(c.ordinal());
    }
}
