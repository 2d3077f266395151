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

    PmdContext(int emcEntries, int tables, int flows) {
        emc = new ExactMatchCache(emcEntries);
        tableLookups = new Counters(tables);
        tableMatches = new Counters(tables);
        flowPackets = new Counters(flows);
    }

    void count(PipelineCounter c) {
        counters.increment(c.ordinal());
    }
}
