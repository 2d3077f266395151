package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.BROADCAST;
import static io.virtio4j.ovs.testing.Lab.GW10_MAC;
import static io.virtio4j.ovs.testing.Lab.GW20;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H2_IP;
import static io.virtio4j.ovs.testing.Lab.H3;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Lab;
import io.virtio4j.testing.AllocationCounter;

/**
 * Steady-state {@code process} allocates nothing: learned unicast, flood, routed (cache hits),
 * a TTL expiry answered with ICMP, an ARP reply from the gateway and a refreshed neighbour, each
 * frame held in native scratch as on a PMD thread. Measured with the thread's allocated-bytes
 * counter over 100 000 frames per round, after warm-up rounds so the JIT has compiled the path.
 */
class AllocationTest {
    private static final int FRAMES_PER_ROUND = 100_000;

    @Test
    void processAllocatesNothingPerFrameInSteadyState() {
        Lab lab = new Lab(L3Mode.OVS_ONLY);
        Arena arena = Arena.ofAuto();
        byte[][] frames = {
            Lab.l2(H2, H1, 0),                                        // port 0: learned unicast to port 1
            Lab.l2(BROADCAST, H2, 0),                                 // port 1: flood
            Lab.ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 64),              // port 0: routed to VLAN 20
            Lab.ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 1),               // port 0: TTL expired, ICMP reply
            Lab.arpRequest(H3, Ipv4.parse("10.0.2.30"), GW20, 0),    // port 3: ARP reply, neighbour refresh
            Lab.ping(GW10_MAC, H1, 0, H1_IP, Ipv4.parse("192.168.9.9"), 64), // port 0: static route
        };
        int[] ports = {0, 1, 0, 0, 3, 0};
        MemorySegment[] scratch = new MemorySegment[frames.length];
        for (int i = 0; i < frames.length; i++) {
            scratch[i] = arena.allocate(lab.scratch.byteSize());
            MemorySegment.copy(MemorySegment.ofArray(frames[i]), 0, scratch[i], 0, Math.min(frames[i].length, FramePipeline.HEADER_BYTES));
        }
        lab.send(2, Lab.arpRequest(H2, H2_IP, GW20, 0)); // H2 is a learned host and neighbour on VLAN 20
        Verdict v = lab.verdict;
        OvsPipeline p = lab.pipeline;
        long now = lab.now;
        Runnable round = () -> {
            for (int n = 0; n < FRAMES_PER_ROUND; n++) {
                int i = n % frames.length;
                v.clear();
                p.process(ports[i], scratch[i], (int) Math.min(frames[i].length, FramePipeline.HEADER_BYTES),
                        frames[i].length, now, v);
            }
        };
        AllocationCounter counter = new AllocationCounter();
        // The counter's own reads box a long each; measure that with an empty body and subtract it.
        long overhead = counter.leastAllocated(20, 0, () -> { });
        long least = counter.leastAllocated(20, overhead, round);
        assertEquals(0, least - overhead, "bytes allocated by " + FRAMES_PER_ROUND + " frames in the best round");
        assertEquals(1, p.counter(PipelineCounter.FRAMES) % FRAMES_PER_ROUND, "whole rounds ran (plus the setup ARP)");
        // The frames took the paths they stand for, so the loop measured the real work.
        lab.send(0, frames[0]);
        assertEquals(List.of(1), lab.outputs());
        lab.send(1, frames[1]);
        assertEquals(List.of(0, 4), lab.outputs());
        lab.send(0, frames[2]);
        assertEquals(List.of(2), lab.outputs());
        assertEquals(DropReason.TTL_EXPIRED, lab.send(0, frames[3]).drop());
        assertEquals(60, lab.send(3, frames[4]).replyLength());
        lab.send(0, frames[5]);
        assertEquals(List.of(2, 3, 4), lab.outputs());
        assertEquals(0, p.drops(DropReason.MALFORMED));
    }
}
