package io.virtio4j.ovs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.virtio4j.ovs.metrics.CounterValue;
import io.virtio4j.ovs.metrics.CountersFileReader;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a vhost-user port's front-end had refused is visible per port and reason: in the counters
 * file ({@code port:NAME:vhost_REASON}, {@code port:NAME:chain_ERROR}) and through
 * {@link VirtualSwitch#refusals()} (what {@code ctl refusals} shows). Issue 13 items 4 and 5: a
 * port's guest memory limit from its spec refuses a front-end whose memory is larger.
 */
class RefusalCountersTest {
    @TempDir
    Path dir;

    private static Map<String, Long> counters(CountersManager manager) {
        return CountersFileReader.snapshot(manager).stream().collect(Collectors.toMap(CounterValue::label, CounterValue::value));
    }

    private static long awaitCounter(VirtualSwitch sw, CountersManager manager, String label, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            sw.refreshRefusals();
            Long value = counters(manager).get(label);
            assertTrue(value != null, "no counter " + label + " in " + counters(manager).keySet());
            if (value >= atLeast || System.nanoTime() > deadline) {
                return value;
            }
            Thread.sleep(5);
        }
    }

    @Test
    void refusedMemoryAndRefusedChainsAreCountedPerPort() throws Exception {
        List<PortSpec> ports = new ArrayList<>();
        // GuestNic's memory is more than 1 MiB: vm1's front-end is refused its memory table.
        ports.add(new PortSpec("vm1", PortType.VHOST_USER_SERVER, dir.resolve("vm1.sock").toString(), Duration.ofSeconds(1),
                PortVlan.access(10), 1, -1, 1L << 20));
        ports.add(PortSpec.access("vm2", PortType.VHOST_USER_SERVER, dir.resolve("vm2.sock").toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        CountersManager manager = VirtualSwitch.inMemoryCounters(1024);
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).counters(manager)
                .start();
             GuestNic big = new GuestNic();
             GuestNic good = new GuestNic();
             VhostUserFrontend feBig = VhostUserFrontend.connect(dir.resolve("vm1.sock"), Duration.ofSeconds(5));
             VhostUserFrontend feGood = VhostUserFrontend.connect(dir.resolve("vm2.sock"), Duration.ofSeconds(5))) {
            try {
                big.attach(feBig);
            } catch (RuntimeException e) {
                // With REPLY_ACK the refusal may surface here; the counter below is what matters.
            }
            good.attach(feGood);
            assertEquals(1, awaitCounter(sw, manager, "port:vm1:vhost_refused_memory", 1));
            assertFalse(sw.port("vm1").connected(), "vm1 connected with memory beyond its limit");
            assertEquals(0, counters(manager).get("port:vm2:vhost_refused_memory"));

            // A TX chain whose buffer lies outside guest memory: refused by vm2's ring, counted by reason.
            long[] addr = {1L << 40};
            int[] len = {64};
            boolean[] writable = {false};
            good.queue(1).add(addr, len, writable, 1);
            good.queue(1).publish();
            good.kickTx();
            assertEquals(1, awaitCounter(sw, manager, "port:vm2:chain_buffer_unmapped", 1));
            assertEquals(0, counters(manager).get("port:vm1:chain_buffer_unmapped"));

            Map<String, Long> vm2 = new java.util.HashMap<>();
            sw.refusals().stream().filter(r -> r.port().equals("vm2")).forEach(r -> vm2.put(r.reason(), r.count()));
            assertEquals(1, vm2.get("chain_buffer_unmapped"));
            assertEquals(0, vm2.get("vhost_refused_memory"));
            assertTrue(vm2.containsKey("vhost_rejected") && vm2.containsKey("vhost_refused_fds")
                    && vm2.containsKey("vhost_memory_faults") && vm2.containsKey("vhost_stalled_calls"), vm2.toString());
        }
    }

    /**
     * A vhost-user port's session and ring counters live in the switch's counters file from the
     * moment the port opens (counted there, no copy needed) and leave it when the port goes:
     * removing and re-adding a port many times leaves the file exactly as it was, so reloads and
     * {@code ctl del-port} never leak counter slots.
     */
    @Test
    void sessionCountersAreCountedInTheFileAndFreedWhenThePortGoes() throws Exception {
        PortSpec vm1 = new PortSpec("vm1", PortType.VHOST_USER_SERVER, dir.resolve("vm1.sock").toString(), Duration.ofSeconds(1),
                PortVlan.access(10), 1, -1, 1L << 20);
        PortSpec vm2 = PortSpec.access("vm2", PortType.VHOST_USER_SERVER, dir.resolve("vm2.sock").toString(), 10);
        SwitchSpec both = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, List.of(vm1, vm2), List.of(), List.of(), List.of());
        SwitchSpec onlyVm2 = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, List.of(vm2), List.of(), List.of(), List.of());
        CountersManager manager = VirtualSwitch.inMemoryCounters(1024);
        try (VirtualSwitch sw = VirtualSwitch.builder(both).pipeline(new OvsPipeline(both, System.nanoTime())).counters(manager)
                .start()) {
            Map<String, Long> before = counters(manager);
            assertTrue(before.containsKey("port:vm1:vhost_messages") && before.containsKey("port:vm1:vhost_refused_memory")
                    && before.containsKey("ring:vm1:vring1:received") && before.containsKey("ring:vm1:vring0:dropped"),
                    before.keySet().toString());
            try (GuestNic big = new GuestNic();
                 VhostUserFrontend fe = VhostUserFrontend.connect(dir.resolve("vm1.sock"), Duration.ofSeconds(5))) {
                try {
                    big.attach(fe);
                } catch (RuntimeException e) {
                    // The refusal may surface here (REPLY_ACK); the counter is what matters.
                }
                // No refreshRefusals(): the session counts into the file itself.
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (counters(manager).get("port:vm1:vhost_refused_memory") == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(1, counters(manager).get("port:vm1:vhost_refused_memory"));
                assertTrue(counters(manager).get("port:vm1:vhost_messages") > 0, "messages counted in the file");
            }
            for (int round = 0; round < 5; round++) {
                sw.reconfigure(onlyVm2, s -> new OvsPipeline(s, System.nanoTime()));
                Map<String, Long> without = counters(manager);
                assertTrue(without.keySet().stream().noneMatch(l -> l.startsWith("port:vm1:") || l.startsWith("ring:vm1:")),
                        "round " + round + ": vm1's counters left behind: " + without.keySet());
                sw.reconfigure(both, s -> new OvsPipeline(s, System.nanoTime()));
                Map<String, Long> again = counters(manager);
                assertEquals(before.keySet(), again.keySet(), "round " + round);
                assertEquals(0, again.get("port:vm1:vhost_refused_memory"), "a re-added port counts from zero");
            }
            assertEquals(before.size(), CountersFileReader.snapshot(manager).size());
        }
        assertEquals(0, CountersFileReader.snapshot(manager).size(), "closing the switch frees every counter");
    }
}
