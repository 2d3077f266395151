package io.virtio4j.ovs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

/** Several PMD threads share one pipeline: each gets its own cache and counters; tables stay consistent. */
class ConcurrencyTest {

    @Test
    void threadsForwardingDifferentPortsAgreeWithOneAnother() throws Exception {
        Lab lab = new Lab(L3Mode.OVS_ONLY);
        // Thread t sends from port 2t to a host on port 2t+1 (VLAN 10 for t=0, VLAN 20 for t=1).
        long[] src = {0x5254_0000_0a01L, 0x5254_0000_1401L};
        long[] dst = {0x5254_0000_0a02L, 0x5254_0000_1402L};
        for (int t = 0; t < 2; t++) {
            lab.send(2 * t + 1, Lab.l2(Lab.BROADCAST, dst[t], 0));
        }
        int frames = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int id = t;
            Thread thread = new Thread(() -> {
                MemorySegment scratch = Frames.scratch();
                Verdict v = new Verdict();
                byte[] frame = Lab.l2(dst[id], src[id], 0);
                try {
                    start.await();
                    for (int i = 0; i < frames; i++) {
                        Frames.process(lab.pipeline, 2 * id, frame, lab.now + i, scratch, v);
                        if (v.outputCount() != 1 || v.output(0) != 2 * id + 1) {
                            throw new AssertionError("frame " + i + " of thread " + id + " went to " + v.outputCount() + " ports");
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(2 + 2L * frames, lab.pipeline.counter(PipelineCounter.FRAMES));
        assertEquals(2L * frames + 2, lab.pipeline.counter(PipelineCounter.EMC_HITS) + lab.pipeline.counter(PipelineCounter.EMC_MISSES));
        assertEquals(4, lab.pipeline.fdb(lab.now + frames).size());
    }
}
