package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.BROADCAST;
import static io.virtio4j.ovs.testing.Lab.GW10_MAC;
import static io.virtio4j.ovs.testing.Lab.GW20;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H2_IP;
import static io.virtio4j.ovs.testing.Lab.H3;
import static io.virtio4j.ovs.testing.Lab.l2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.flow.FlowProgramBuilder;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Lab;

/** The exact-match cache: hits in steady state, never a stale decision. */
class CacheTest {

    @Test
    void repeatedFramesHitTheCacheAndStillLearn() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(1, l2(BROADCAST, H2, 0));
        // Learning H1 from this frame changes the FDB's generation after the frame's decision was
        // cached, so the next one misses once more (a newly learned MAC revalidates, as in OVS).
        lab.send(0, l2(H2, H1, 0));
        lab.send(0, l2(H2, H1, 0));
        long misses = lab.pipeline.counter(PipelineCounter.EMC_MISSES);
        long hitsBefore = lab.pipeline.counter(PipelineCounter.EMC_HITS);
        for (int i = 0; i < 100; i++) {
            lab.send(0, l2(H2, H1, 0));
            assertEquals(List.of(1), lab.outputs());
        }
        assertEquals(misses, lab.pipeline.counter(PipelineCounter.EMC_MISSES), "no more table lookups");
        assertEquals(100, lab.pipeline.counter(PipelineCounter.EMC_HITS) - hitsBefore);
        lab.now += 200 * Lab.SECOND;
        lab.send(0, l2(H2, H1, 0));
        lab.now += 200 * Lab.SECOND;
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(0), lab.outputs(), "H1 stayed learned through cache hits (refreshed at 200 s, ageing 300 s)");
    }

    @Test
    void aStationMoveInvalidatesCachedDecisions() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(0, l2(BROADCAST, H1, 0));
        lab.send(1, l2(H1, H2, 0));
        lab.send(1, l2(H1, H2, 0));
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(0), lab.outputs());
        long hits = lab.pipeline.counter(PipelineCounter.EMC_HITS);
        assertTrue(hits >= 1);
        lab.send(4, l2(H3, H1, 10)); // H1 moves to the trunk
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(4), lab.outputs(), "the cached output:0 was not used");
        assertEquals(hits, lab.pipeline.counter(PipelineCounter.EMC_HITS));
    }

    @Test
    void routedFlowsHitTheCacheAndCountTheirFlowsAndTables() {
        Lab lab = new Lab(L3Mode.OVS_ONLY);
        lab.send(2, Lab.arpRequest(H2, H2_IP, GW20, 0));
        for (int i = 0; i < 10; i++) {
            lab.send(0, Lab.ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 64));
            assertEquals(List.of(2), lab.outputs());
        }
        // Miss: the first ping (the FDB learned H1 from it, so the second misses too); then hits.
        assertTrue(lab.pipeline.counter(PipelineCounter.EMC_HITS) >= 8);
        List<TableStats> tables = lab.pipeline.tables();
        assertEquals("routing", tables.get(FlowProgramBuilder.TABLE_ROUTING).name());
        long routingLookups = tables.get(FlowProgramBuilder.TABLE_ROUTING).lookups();
        assertTrue(routingLookups >= 1 && routingLookups <= 2, "routing table consulted on misses only: " + routingLookups);
        String routeFlow = lab.pipeline.flows().stream()
                .filter(l -> l.contains("table=2") && l.contains("dl_vlan=10,ip,nw_dst=10.0.2.0/24")).findFirst().orElseThrow();
        assertTrue(routeFlow.contains("n_packets=10"), routeFlow);
        assertTrue(routeFlow.endsWith("actions=dec_ttl,set_field:02:00:00:00:02:01->eth_src,move:nw_dst->next_hop,"
                + "mod_vlan_vid:20,goto_table:3"), routeFlow);
    }
}
