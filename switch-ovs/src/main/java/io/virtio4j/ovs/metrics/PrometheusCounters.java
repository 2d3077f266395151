package io.virtio4j.ovs.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import org.agrona.concurrent.status.CountersReader;

/**
 * Every counter of the switch's counters file as Prometheus counters, read when Prometheus
 * scrapes: the collector walks the counters file as {@code ctl counters} does (one atomic load
 * per counter) and maps each label to a metric ({@link PrometheusSeries}). Nothing is counted
 * twice and nothing runs on a PMD thread; ports added or removed at run time appear and vanish
 * with their counters.
 */
public final class PrometheusCounters implements MultiCollector {
    private final CountersReader counters;

    /** A collector over {@code counters} (the switch's own manager, or a file reader). */
    public PrometheusCounters(CountersReader counters) {
        this.counters = counters;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, List<CounterSnapshot.CounterDataPointSnapshot>> points = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        java.util.Set<List<String>> seen = new java.util.HashSet<>();
        for (CounterValue c : CountersFileReader.snapshot(counters)) {
            PrometheusSeries s = PrometheusSeries.of(c);
            List<String> key = new ArrayList<>(s.labelValues());
            key.add(s.family());
            if (!seen.add(key)) {
                // Two counters of one label (a port re-added while its old counters are being freed): the first is live.
                continue;
            }
            help.putIfAbsent(s.family(), s.help());
            points.computeIfAbsent(s.family(), f -> new ArrayList<>()).add(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of(s.labelNames(), s.labelValues()))
                    // A counter the switch freed and re-allocated may read below a previous scrape: Prometheus sees a reset.
                    .value(Math.max(0, c.value()) * s.scale())
                    .build());
        }
        List<MetricSnapshot> families = new ArrayList<>(points.size());
        points.forEach((family, samples) -> {
            CounterSnapshot.Builder b = CounterSnapshot.builder().name(family).help(help.get(family));
            samples.forEach(b::dataPoint);
            families.add(b.build());
        });
        return new MetricSnapshots(families);
    }
}
