package io.virtio4j.ovs.pipeline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The classify stage alone, ns per frame: a batch of 32 frame headers (as the executor holds
 * them) through {@link OvsPipeline} with one PMD's own {@link PmdContext}, the exact-match cache
 * warm, as the data path calls it for every burst. Cases: L2 to 32 learned destinations, L2 to
 * unknown destinations (a flood verdict), and ovs-only L3 to 32 routed destinations (MACs
 * rewritten, TTL decremented). Run by bench/switch-stage-bench.sh, not by surefire.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClassifyBenchmark {
    private static final int BATCH = 32;

    @Param({"l2-unicast", "l2-flood", "l3-routed"})
    public String traffic;

    private OvsPipeline pipeline;
    private PmdContext context;
    private final MemorySegment[] headers = new MemorySegment[BATCH];
    private final int[] lengths = new int[BATCH];
    private final Verdict[] verdicts = new Verdict[BATCH];
    private long now = 1_000 * Lab.SECOND;

    @Setup(Level.Trial)
    public void setUp() {
        boolean routed = traffic.equals("l3-routed");
        pipeline = new OvsPipeline(Lab.spec(routed ? L3Mode.OVS_ONLY : L3Mode.NONE, FdbSpec.DEFAULT), now);
        context = pipeline.newContext();
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < BATCH; i++) {
            long destination = 0x5254_0000_1000L + i;
            byte[] frame;
            if (routed) {
                frame = Lab.ping(Lab.GW10_MAC, Lab.H1, 0, Lab.H1_IP, Ipv4.parse("192.168.1." + (i + 1)), 64);
            } else {
                if (traffic.equals("l2-unicast")) {
                    // Destination i learned on port 1.
                    learn(1, destination);
                }
                frame = Lab.l2(destination, Lab.H1, 0);
            }
            headers[i] = arena.allocate(FramePipeline.HEADER_BYTES, 8);
            lengths[i] = Math.min(frame.length, FramePipeline.HEADER_BYTES);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, headers[i], 0, lengths[i]);
            verdicts[i] = new Verdict();
        }
    }

    private void learn(int port, long mac) {
        byte[] frame = Lab.l2(Lab.BROADCAST, mac, 0);
        Frames.process(pipeline, port, frame, now, Frames.scratch(), new Verdict());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void classifyBatch(Blackhole out) {
        pipeline.beginBurst(context, now);
        for (int i = 0; i < BATCH; i++) {
            Verdict v = verdicts[i];
            v.clear();
            pipeline.process(context, 0, headers[i], lengths[i], lengths[i], now, v);
        }
        pipeline.endBurst(context);
        out.consume(verdicts[BATCH - 1].outputCount());
    }
}
