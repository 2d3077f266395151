package io.virtio4j.ovs.config;

import io.virtio4j.ovs.model.SwitchSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A config file as read: the switch itself plus what only the daemon needs (where its control
 * socket and counters file live), and the notes the reader made about choices it took for the
 * user (for example a VLAN that has no subnet and is therefore switched but never routed).
 *
 * @param spec          the switch
 * @param controlSocket the control interface's Unix socket ({@code ./virtio4j ctl} connects here)
 * @param countersFile  the memory-mapped counters file other processes read
 * @param notes         {@code FILE:LINE: note} lines worth logging at start-up
 * @param pmdCpus       the CPU of each PMD thread ({@code pmd-cpus}), or empty: not pinned
 * @param lines         where each resource was named in the file, for errors found after reading
 * @param logging       the daemon's log levels and log file ({@code log-level}, {@code log-file})
 * @param metrics       where the Prometheus endpoint listens ({@code metrics}), or null: none (it is opt-in)
 * @param openflow      where the OpenFlow agent listens ({@code openflow = ptcp:PORT[:IP]}), or null: no listener
 * @param controllers   the controllers the agent connects to ({@code controller = tcp:IP:PORT, ...}), or empty
 * @param failSecure    {@code fail-mode = secure}: the flows stay when the controllers go; false (standalone, the
 *                      default): the last controller gone, the flows go back to the default NORMAL flow
 */
public record SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes,
                           List<Integer> pmdCpus, ConfigLines lines, LogSettings logging, MetricsEndpoint metrics,
                           OpenFlowListen openflow, List<OpenFlowController> controllers, boolean failSecure) {

    /** Where the control socket lives unless {@code control} says otherwise. */
    public static final Path DEFAULT_CONTROL_SOCKET = Path.of("/run/virtio4j/switch.sock");
    /** Where the counters file lives unless {@code counters} says otherwise (tmpfs: no disk writes). */
    public static final Path DEFAULT_COUNTERS_FILE = Path.of("/dev/shm/virtio4j-switch.counters");

    /** Checks that spec, socket and counters file are given; copies the notes. */
    public SwitchConfig {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(controlSocket, "controlSocket");
        Objects.requireNonNull(countersFile, "countersFile");
        notes = List.copyOf(notes);
        controllers = List.copyOf(controllers);
        pmdCpus = List.copyOf(pmdCpus);
        Objects.requireNonNull(lines, "lines");
        Objects.requireNonNull(logging, "logging");
        if (!pmdCpus.isEmpty() && pmdCpus.size() != spec.pmdThreads()) {
            throw new IllegalArgumentException("pmd-cpus names " + pmdCpus.size() + " CPUs for " + spec.pmdThreads()
                    + " PMD threads");
        }
    }

    /** A config without OpenFlow controllers. */
    public SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes, List<Integer> pmdCpus,
                        ConfigLines lines, LogSettings logging, MetricsEndpoint metrics, OpenFlowListen openflow) {
        this(spec, controlSocket, countersFile, notes, pmdCpus, lines, logging, metrics, openflow, List.of(), false);
    }

    /** A config without an OpenFlow listener. */
    public SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes, List<Integer> pmdCpus,
                        ConfigLines lines, LogSettings logging, MetricsEndpoint metrics) {
        this(spec, controlSocket, countersFile, notes, pmdCpus, lines, logging, metrics, null);
    }

    /** A config without a metrics endpoint. */
    public SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes, List<Integer> pmdCpus,
                        ConfigLines lines, LogSettings logging) {
        this(spec, controlSocket, countersFile, notes, pmdCpus, lines, logging, null);
    }

    /** A config with the default logging ({@link LogSettings#DEFAULTS}). */
    public SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes, List<Integer> pmdCpus,
                        ConfigLines lines) {
        this(spec, controlSocket, countersFile, notes, pmdCpus, lines, LogSettings.DEFAULTS);
    }

    /** A config built in code: errors found after reading name no line. */
    public SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes, List<Integer> pmdCpus) {
        this(spec, controlSocket, countersFile, notes, pmdCpus, ConfigLines.NONE);
    }

    /** A config whose PMD threads are not pinned. */
    public SwitchConfig(SwitchSpec spec, Path controlSocket, Path countersFile, List<String> notes) {
        this(spec, controlSocket, countersFile, notes, List.of());
    }

    /** A config for {@code spec} built in Java, with the default daemon paths and no notes. */
    public static SwitchConfig of(SwitchSpec spec) {
        return new SwitchConfig(spec, DEFAULT_CONTROL_SOCKET, DEFAULT_COUNTERS_FILE, List.of());
    }
}
