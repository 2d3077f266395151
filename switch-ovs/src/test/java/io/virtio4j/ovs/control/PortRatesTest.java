package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.port.PortCounters;

/** Issue 19, item 6: {@code ctl port-stats} with the last interval's frames and bits per second. */
class PortRatesTest {
    @Test
    void theRatesAreTheLastIntervalsDifferencePerSecond() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(256);
        try (PortCounters vm1 = new PortCounters(manager, "vm1"); PortCounters vm2 = new PortCounters(manager, "vm2")) {
            AtomicLong now = new AtomicLong(1_000_000_000L);
            PortRates rates = new PortRates(manager, now::get, false);
            List<String> first = rates.table().lines();
            assertEquals(List.of("0", "0", "0", "0"), last4(first, "vm1"), "one sample: no rate yet");

            vm1.addRx(1_000, 64_000);
            vm2.addTx(1_000, 64_000);
            now.addAndGet(500_000_000L);
            rates.sample();
            vm1.addRx(5, 320);
            List<String> lines = rates.table().lines();
            String header = lines.getFirst();
            assertEquals(List.of("rx_pps", "tx_pps", "rx_bps", "tx_bps"), last4(List.of(header), header.trim().split("\\s+")[0]));
            // Half a second: 1,000 frames are 2,000 per second, 64,000 bytes 1,024,000 bit/s; what came after the sample waits.
            assertEquals(List.of("2000", "0", "1024000", "0"), last4(lines, "vm1"));
            assertEquals(List.of("0", "2000", "0", "1024000"), last4(lines, "vm2"));
            assertEquals("1005", cells(lines, "vm1").get(1), "the counters themselves are current");

            now.addAndGet(1_000_000_000L);
            rates.sample();
            assertEquals(List.of("5", "0", "2560", "0"), last4(rates.table().lines(), "vm1"));
        }
    }

    private static List<String> cells(List<String> lines, String port) {
        return lines.stream().map(l -> List.of(l.trim().split("\\s+"))).filter(c -> c.getFirst().equals(port)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + port + ": " + lines));
    }

    private static List<String> last4(List<String> lines, String port) {
        List<String> c = cells(lines, port);
        return c.subList(c.size() - 4, c.size());
    }
}
