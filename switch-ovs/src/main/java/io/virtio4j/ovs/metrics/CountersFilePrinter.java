package io.virtio4j.ovs.metrics;

import io.virtio4j.ovs.control.Table;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.status.CountersReader;

/**
 * Shows counters as a table grouped by label prefix, one group per port, PMD thread or drop
 * reason. Runs standalone against a counters file ({@code java ... CountersFilePrinter FILE
 * [--stale-ok]}) and serves the control interface's {@code counters} command from the switch's
 * own {@link CountersReader}.
 */
public final class CountersFilePrinter {
    private CountersFilePrinter() {
    }

    /** Counters grouped by {@link CounterValue#group()}, groups in order of first appearance. */
    public static Map<String, List<CounterValue>> groupByPrefix(List<CounterValue> counters) {
        Map<String, List<CounterValue>> groups = new LinkedHashMap<>();
        for (CounterValue c : counters) {
            groups.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(c);
        }
        return groups;
    }

    /** A table with a group column (on every row, so each row stands alone), the counter name and its value. */
    public static Table table(List<CounterValue> counters) {
        Table table = Table.of("group", "counter", "value");
        // The group on every row, not only the first: a row must stand alone for grep and awk.
        groupByPrefix(counters).forEach((group, members) -> members.forEach(c -> table.row(group, c.name(), c.value())));
        return table;
    }

    /**
     * One row per {@code kind:NAME} group and one column per counter name, like
     * {@code ovs-ofctl dump-ports}: {@code pivot(counters, "port")} turns {@code port:vm1:rx_frames},
     * {@code port:vm1:tx_frames}, {@code port:vm2:rx_frames} into rows vm1 and vm2 with columns
     * rx_frames and tx_frames (a counter a row lacks prints empty).
     */
    public static Table pivot(List<CounterValue> counters, String kind) {
        String prefix = kind + ":";
        Map<String, Map<String, Long>> rows = new LinkedHashMap<>();
        List<String> columns = new ArrayList<>();
        for (CounterValue c : counters) {
            String group = c.group();
            if (!group.startsWith(prefix) || group.length() == prefix.length()) {
                continue;
            }
            if (!columns.contains(c.name())) {
                columns.add(c.name());
            }
            rows.computeIfAbsent(group.substring(prefix.length()), g -> new LinkedHashMap<>()).put(c.name(), c.value());
        }
        List<String> headers = new ArrayList<>();
        headers.add(kind);
        headers.addAll(columns);
        Table table = Table.of(headers.toArray(String[]::new));
        rows.forEach((name, values) -> {
            Object[] cells = new Object[headers.size()];
            cells[0] = name;
            for (int i = 0; i < columns.size(); i++) {
                cells[i + 1] = values.get(columns.get(i));
            }
            table.row(cells);
        });
        return table;
    }

    /** The table of everything {@code reader} holds now. */
    public static Table table(CountersReader reader) {
        return table(CountersFileReader.snapshot(reader));
    }

    /**
     * Prints the counters file named by {@code args}; returns the exit status (0 printed, 2 usage
     * or unreadable file).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean staleOk = args.length == 2 && args[1].equals("--stale-ok");
        if (args.length == 0 || args.length > 2 || (args.length == 2 && !staleOk)) {
            err.println("usage: CountersFilePrinter FILE [--stale-ok]");
            return 2;
        }
        try {
            CountersFileReader reader = CountersFileReader.open(Path.of(args[0]), staleOk);
            out.println("counters of pid " + reader.writerPid() + " (started " + reader.writerStarted() + ")"
                    + (reader.writerAlive() ? "" : ", STALE: the writer is no longer running"));
            out.print(table(reader.snapshot()).render());
            return 0;
        } catch (CountersFileException e) {
            err.println("counters: " + e.getMessage());
            return 2;
        }
    }

    /** Prints every counter of the file named by {@code args[0]}, read from another process. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }
}
