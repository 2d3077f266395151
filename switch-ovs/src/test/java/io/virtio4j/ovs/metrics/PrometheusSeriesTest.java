package io.virtio4j.ovs.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Counters-file labels mapped to Prometheus families and labels. */
class PrometheusSeriesTest {
    private static PrometheusSeries of(String label) {
        return PrometheusSeries.of(new CounterValue(0, label, 1));
    }

    @Test
    void portTrafficDropsRefusalsAndSessions() {
        assertEquals(List.of("virtio4j_port_rx_frames", "vm1"), List.of(of("port:vm1:rx_frames").family(),
                of("port:vm1:rx_frames").labelValues().getFirst()));
        PrometheusSeries drop = of("port:vm1:drop_port_full");
        assertEquals("virtio4j_port_drops", drop.family());
        assertEquals(List.of("port", "reason"), drop.labelNames());
        assertEquals(List.of("vm1", "port_full"), drop.labelValues());
        PrometheusSeries chain = of("port:vm-2:chain_buffer_unmapped");
        assertEquals("virtio4j_port_refused_chains", chain.family());
        assertEquals(List.of("vm-2", "buffer_unmapped"), chain.labelValues());
        PrometheusSeries vnet = of("port:vm1:vnet_bad_gso_size");
        assertEquals("virtio4j_port_refused_vnet_headers", vnet.family());
        assertEquals(List.of("vm1", "bad_gso_size"), vnet.labelValues());
        assertEquals("virtio4j_vhost_user_sessions_ended", of("port:vm1:vhost_sessions_ended").family());
        assertEquals("virtio4j_vhost_user_refused_fds", of("port:vm1:vhost_refused_fds").family());
    }

    @Test
    void pmdTimesBecomeSecondsAndSwitchDropsKeepTheirReason() {
        PrometheusSeries busy = of("pmd:0:busy_ns");
        assertEquals("virtio4j_pmd_busy_seconds", busy.family());
        assertEquals(1e-9, busy.scale());
        assertEquals(List.of("0"), busy.labelValues());
        assertEquals("virtio4j_pmd_frames", of("pmd:1:frames").family());
        assertEquals(List.of("reason"), of("drop:ttl_expired").labelNames());
        assertEquals("virtio4j_drops", of("drop:ttl_expired").family());
    }

    @Test
    void anUnknownCounterStillAppears() {
        PrometheusSeries other = of("gateway:rx");
        assertEquals("virtio4j_counter", other.family());
        assertEquals(List.of("gateway", "rx"), other.labelValues());
    }

    @Test
    void aVhostUserRingsCountersCarryPortAndRing() {
        PrometheusSeries received = of("ring:vm1:vring1:received");
        assertEquals("virtio4j_vhost_user_ring_received", received.family());
        assertEquals(List.of("port", "ring"), received.labelNames());
        assertEquals(List.of("vm1", "vring1"), received.labelValues());
        assertEquals(List.of("vm-2", "vring0"), of("ring:vm-2:vring0:dropped").labelValues());
        assertEquals("virtio4j_vhost_user_ring_dropped", of("ring:vm-2:vring0:dropped").family());
    }
}
