package io.virtio4j.ovs.control;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import io.virtio4j.ovs.metrics.CounterValue;
import io.virtio4j.ovs.metrics.CountersFilePrinter;
import io.virtio4j.ovs.metrics.CountersFileReader;

import org.agrona.concurrent.status.CountersReader;

/**
 * {@code ctl port-stats}: every port counter, one row per port, plus the rates of the last
 * interval ({@code rx_pps}, {@code tx_pps}, {@code rx_bps}, {@code tx_bps}: frames and bits per
 * second between the last two samples). A control-side thread samples the counters file once per
 * interval (one atomic load per counter); nothing is added to the data path.
 */
final class PortRates implements AutoCloseable {
    /** How often the counters are sampled, and so what "per second" is averaged over. */
    static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final String[] RATES = {"rx_pps", "tx_pps", "rx_bps", "tx_bps"};

    /** Per port: rx_frames, tx_frames, rx_bytes, tx_bytes, taken at {@code nanos}. */
    private record Sample(long nanos, Map<String, long[]> ports) {
    }

    private final CountersReader counters;
    private final LongSupplier clock;
    private final Thread sampler;
    private Sample previous;
    private Sample latest;

    PortRates(CountersReader counters, LongSupplier clock, boolean sampleEverySecond) {
        this.counters = counters;
        this.clock = clock;
        sample();
        this.sampler = sampleEverySecond
                ? Thread.ofPlatform().name("virtio4j-port-rates").daemon().start(this::sampleEveryInterval) : null;
    }

    /** Sampling once a second on its own thread until {@link #close()}. */
    static PortRates start(CountersReader counters) {
        return new PortRates(counters, System::nanoTime, true);
    }

    private void sampleEveryInterval() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(INTERVAL);
                sample();
            }
        } catch (InterruptedException e) {
            // close(): stop.
        }
    }

    /** Takes a sample now; the rates are between it and the one before. */
    synchronized void sample() {
        Map<String, long[]> ports = new HashMap<>();
        for (CounterValue c : CountersFileReader.snapshot(counters)) {
            int slot = slot(c.name());
            if (slot >= 0 && c.group().startsWith("port:")) {
                ports.computeIfAbsent(c.group().substring("port:".length()), p -> new long[4])[slot] = c.value();
            }
        }
        previous = latest;
        latest = new Sample(clock.getAsLong(), ports);
    }

    private static int slot(String name) {
        return switch (name) {
            case "rx_frames" -> 0;
            case "tx_frames" -> 1;
            case "rx_bytes" -> 2;
            case "tx_bytes" -> 3;
            default -> -1;
        };
    }

    /** The counters now, one row per port, with the last interval's rates as the last four columns. */
    Table table() {
        List<CounterValue> rows = new ArrayList<>(CountersFileReader.snapshot(counters));
        Sample before;
        Sample after;
        synchronized (this) {
            before = previous;
            after = latest;
        }
        List<String> ports = rows.stream().filter(c -> c.group().startsWith("port:")).map(c -> c.group().substring(5))
                .distinct().toList();
        for (String port : ports) {
            long[] rates = rates(port, before, after);
            for (int i = 0; i < RATES.length; i++) {
                rows.add(new CounterValue(-1, "port:" + port + ":" + RATES[i], rates[i]));
            }
        }
        return CountersFilePrinter.pivot(rows, "port");
    }

    /** Frames and bits per second of {@code port} between two samples; 0 before there are two, or for a new port. */
    private static long[] rates(String port, Sample before, Sample after) {
        long[] out = new long[4];
        if (before == null || after.nanos() <= before.nanos()) {
            return out;
        }
        long[] a = before.ports().get(port);
        long[] b = after.ports().get(port);
        if (a == null || b == null) {
            return out;
        }
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        out[0] = Math.round(Math.max(0, b[0] - a[0]) / seconds);
        out[1] = Math.round(Math.max(0, b[1] - a[1]) / seconds);
        out[2] = Math.round(Math.max(0, b[2] - a[2]) * 8 / seconds);
        out[3] = Math.round(Math.max(0, b[3] - a[3]) * 8 / seconds);
        return out;
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.interrupt();
        }
    }
}
