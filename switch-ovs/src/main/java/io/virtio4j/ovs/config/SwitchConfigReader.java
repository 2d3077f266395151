package io.virtio4j.ovs.config;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.spi.DidYouMean;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a switch config file (the format is documented in docs/switch-config.md) into a
 * {@link SwitchConfig}. The first problem found stops the read with a {@link ConfigException}
 * naming the file, the line and the fix. Sections are read in dependency order (switch, subnets,
 * ports, routes, neighbours), so their order in the file does not matter. Relative paths are
 * resolved against the config file's directory, so a config and its sockets can travel together.
 */
public final class SwitchConfigReader {
    /** Longer files are refused before reading: a config is a few KiB. */
    static final long MAX_FILE_BYTES = 1 << 20;
    static final List<String> SECTION_KINDS = List.of("switch", "port", "subnet", "route", "neighbour");
    static final List<String> SWITCH_KEYS = List.of("l3", "pmd-threads", "pmd-cpus", "fdb-max", "fdb-ageing", "control", "counters",
            "max-guest-memory", "log-level", "log-file", "metrics",
            "openflow", "controller", "fail-mode");
    /** A per-logger level: {@code log-level.io.virtio4j.vhostuser = debug}. */
    static final String LOGGER_LEVEL_PREFIX = "log-level.";
    static final int MAX_PMD_THREADS = 64;
    static final int MAX_FDB_ENTRIES = 1 << 20;

    private SwitchConfigReader() {
    }

    /** Reads {@code file}. */
    public static SwitchConfig read(Path file) {
        String name = file.toString();
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(name, 0, "is larger than " + MAX_FILE_BYTES + " bytes; is this a config file?");
            }
            byte[] bytes = Files.readAllBytes(file);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            Path dir = file.toAbsolutePath().getParent();
            return parse(name, text, dir);
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, 0, "is not UTF-8 text; is this a config file?");
        } catch (IOException e) {
            throw new ConfigException(name, 0, "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); check the path and its permissions");
        }
    }

    /**
     * Parses config text.
     *
     * @param file    the name to show in errors
     * @param text    the file's contents
     * @param baseDir where relative paths are resolved
     */
    public static SwitchConfig parse(String file, String text, Path baseDir) {
        List<IniSection> sections = new IniParser(file).parse(text);
        Map<String, List<IniSection>> byKind = new HashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (IniSection s : sections) {
            checkSection(file, s, seen);
            byKind.computeIfAbsent(s.kind(), k -> new ArrayList<>()).add(s);
        }
        List<String> notes = new ArrayList<>();
        IniSection switchSection = byKind.getOrDefault("switch", List.of()).stream().findFirst()
                .orElse(new IniSection("switch", "", 0, Map.of()));
        SectionReader sw = new SectionReader(file, withoutLoggerLevels(switchSection), SWITCH_KEYS);
        L3Mode l3 = l3(sw);
        List<Integer> pmdCpus = sw.cpuList("pmd-cpus");
        int pmdThreads = sw.integer("pmd-threads", pmdCpus.isEmpty() ? 1 : pmdCpus.size(), 1, MAX_PMD_THREADS);
        if (!pmdCpus.isEmpty() && pmdCpus.size() != pmdThreads) {
            throw sw.error(sw.section().entries().get("pmd-cpus"), "pmd-cpus names " + pmdCpus.size() + " CPUs but pmd-threads = "
                    + pmdThreads + "; name one CPU per PMD thread (or leave pmd-threads out)");
        }
        FdbSpec fdb = new FdbSpec(sw.integer("fdb-max", FdbSpec.DEFAULT.maxEntries(), 1, MAX_FDB_ENTRIES),
                sw.duration("fdb-ageing", FdbSpec.DEFAULT.ageing()));
        long maxGuestMemory = sw.bytes("max-guest-memory", SwitchSpec.DEFAULT_MAX_GUEST_MEMORY);
        Path control = path(sw, "control", baseDir, SwitchConfig.DEFAULT_CONTROL_SOCKET);
        Path counters = path(sw, "counters", baseDir, SwitchConfig.DEFAULT_COUNTERS_FILE);
        LogSettings logging = logging(file, switchSection, sw, baseDir);
        MetricsEndpoint metrics = metrics(sw);
        OpenFlowListen openflow = openflow(sw);
        List<OpenFlowController> controllers = controllers(sw);
        boolean failSecure = failSecure(sw);

        L3SectionReader l3Reader = new L3SectionReader(file);
        byKind.getOrDefault("subnet", List.of()).forEach(l3Reader::readSubnet);
        PortSectionReader portReader = new PortSectionReader(file, baseDir, pmdThreads);
        List<PortSpec> ports = new ArrayList<>();
        for (IniSection s : byKind.getOrDefault("port", List.of())) {
            PortSpec port = portReader.read(s);
            ports.add(port);
            noteUnroutedVlans(file, s, port, l3, l3Reader, notes);
        }
        byKind.getOrDefault("route", List.of()).forEach(l3Reader::readRoute);
        byKind.getOrDefault("neighbour", List.of()).forEach(l3Reader::readNeighbour);
        noteL3Mode(file, switchSection, l3, l3Reader, notes);
        try {
            SwitchSpec spec = new SwitchSpec(l3, pmdThreads, fdb, ports, l3Reader.subnets(), l3Reader.routes(),
                    l3Reader.neighbours(), maxGuestMemory);
            return new SwitchConfig(spec, control, counters, notes, pmdCpus, lines(file, sections), logging, metrics,
                    openflow, controllers, failSecure);
        } catch (IllegalArgumentException e) {
            // The checks above cover what SwitchSpec checks; this keeps a future rule from escaping unnamed.
            throw new ConfigException(file, 0, e.getMessage());
        }
    }

    /** Every section header and key with its line, for checks made after reading (SwitchPreflight). */
    private static ConfigLines lines(String file, List<IniSection> sections) {
        Map<String, Integer> lines = new HashMap<>();
        for (IniSection s : sections) {
            lines.put(s.title(), s.line());
            s.entries().values().forEach(e -> lines.put(ConfigLines.key(s.kind(), s.name(), e.key()), e.line()));
        }
        return new ConfigLines(file, lines);
    }

    private static void checkSection(String file, IniSection s, Map<String, Integer> seen) {
        if (!SECTION_KINDS.contains(s.kind())) {
            throw new ConfigException(file, s.line(), "unknown section [" + s.kind() + "]; valid sections: [switch], "
                    + "[port NAME], [subnet NAME], [route NAME], [neighbour NAME]" + DidYouMean.hint(s.kind(), SECTION_KINDS));
        }
        if (s.kind().equals("switch") != s.name().isEmpty()) {
            throw new ConfigException(file, s.line(), s.kind().equals("switch")
                    ? "[switch] takes no name; write [switch]"
                    : "[" + s.kind() + "] needs a name; write [" + s.kind() + " NAME]");
        }
        Integer first = seen.putIfAbsent(s.title(), s.line());
        if (first != null) {
            throw new ConfigException(file, s.line(), s.title() + " is defined twice (lines " + first + " and " + s.line()
                    + "); " + (s.name().isEmpty() ? "merge them" : "give each " + s.kind() + " its own name"));
        }
    }

    /** The [switch] section without its {@code log-level.LOGGER} keys, which are checked by {@link #logging}. */
    private static IniSection withoutLoggerLevels(IniSection s) {
        Map<String, IniEntry> entries = new java.util.LinkedHashMap<>(s.entries());
        entries.keySet().removeIf(k -> k.startsWith(LOGGER_LEVEL_PREFIX));
        return new IniSection(s.kind(), s.name(), s.line(), entries);
    }

    private static LogSettings logging(String file, IniSection section, SectionReader sw, Path baseDir) {
        String level = LogSettings.DEFAULTS.level();
        Map<String, String> loggers = new java.util.LinkedHashMap<>();
        for (IniEntry e : section.entries().values()) {
            try {
                if (e.key().equals("log-level")) {
                    level = LogSettings.checkLevel(e.value());
                } else if (e.key().startsWith(LOGGER_LEVEL_PREFIX)) {
                    String logger = LogSettings.checkLogger(e.key().substring(LOGGER_LEVEL_PREFIX.length()));
                    loggers.put(logger, LogSettings.checkLevel(e.value()));
                }
            } catch (IllegalArgumentException bad) {
                throw new ConfigException(file, e.line(), e.key() + ": " + bad.getMessage());
            }
        }
        Path logFile = sw.has("log-file") ? path(sw, "log-file", baseDir, Path.of("/var/log/virtio4j/switch.log")) : null;
        return new LogSettings(level, loggers, logFile);
    }

    /** {@code metrics = 127.0.0.1:PORT}, or null: no metrics endpoint (opt-in). */
    private static MetricsEndpoint metrics(SectionReader sw) {
        if (!sw.has("metrics")) {
            return null;
        }
        IniEntry entry = sw.section().entries().get("metrics");
        try {
            return MetricsEndpoint.parse(entry.value());
        } catch (IllegalArgumentException bad) {
            throw sw.error(entry, "metrics: " + bad.getMessage());
        }
    }

    /** {@code controller = tcp:IP:PORT[, tcp:IP:PORT...]}, or empty: no active connection (opt-in). */
    private static List<OpenFlowController> controllers(SectionReader sw) {
        if (!sw.has("controller")) {
            return List.of();
        }
        IniEntry entry = sw.section().entries().get("controller");
        try {
            return OpenFlowController.parseList(entry.value());
        } catch (IllegalArgumentException bad) {
            throw sw.error(entry, "controller: " + bad.getMessage());
        }
    }

    /** {@code fail-mode = standalone} (the default) or {@code secure}; only with {@code controller}. */
    private static boolean failSecure(SectionReader sw) {
        if (!sw.has("fail-mode")) {
            return false;
        }
        IniEntry entry = sw.section().entries().get("fail-mode");
        if (!sw.has("controller")) {
            throw sw.error(entry, "fail-mode says what happens when the controllers go, and no controller is set;"
                    + " add controller = tcp:IP:PORT or remove fail-mode");
        }
        return switch (entry.value()) {
            case "standalone" -> false;
            case "secure" -> true;
            default -> throw sw.error(entry, "fail-mode: '" + entry.value() + "' is not standalone or secure");
        };
    }

    /** {@code openflow = ptcp:PORT[:IP]}, or null: no OpenFlow agent (opt-in). */
    private static OpenFlowListen openflow(SectionReader sw) {
        if (!sw.has("openflow")) {
            return null;
        }
        IniEntry entry = sw.section().entries().get("openflow");
        try {
            return OpenFlowListen.parse(entry.value());
        } catch (IllegalArgumentException bad) {
            throw sw.error(entry, "openflow: " + bad.getMessage());
        }
    }

    private static L3Mode l3(SectionReader sw) {
        if (!sw.has("l3")) {
            return L3Mode.NONE;
        }
        IniEntry entry = sw.section().entries().get("l3");
        L3Mode mode = L3Mode.byConfigName(entry.value());
        if (mode == null) {
            throw sw.error(entry, "l3 = '" + entry.value() + "' is not a routing mode; use none, ovs-only or ipforward");
        }
        return mode;
    }

    private static Path path(SectionReader sw, String key, Path baseDir, Path defaultPath) {
        if (!sw.has(key)) {
            return defaultPath;
        }
        IniEntry entry = sw.section().entries().get(key);
        if (entry.value().isEmpty() || entry.value().endsWith("/")) {
            throw sw.error(entry, key + " must name a file, like " + defaultPath);
        }
        return baseDir.resolve(entry.value()).normalize();
    }

    /** A VLAN with no subnet is legal with routing on: it is an L2-only segment. Say so, since it may be a typo. */
    private static void noteUnroutedVlans(String file, IniSection s, PortSpec port, L3Mode l3, L3SectionReader subnets,
                                          List<String> notes) {
        if (l3 == L3Mode.NONE) {
            return;
        }
        List<Integer> vlans = port.vlan().isTrunk()
                ? port.vlan().trunkVlans().stream().sorted().toList()
                : List.of(port.vlan().accessVlan());
        for (int vlan : vlans) {
            if (!subnets.hasSubnetOn(vlan)) {
                notes.add(file + ":" + s.line() + ": " + s.title() + ": VLAN " + vlan
                        + " has no [subnet], so it is switched at L2 only and never routed");
            }
        }
    }

    private static void noteL3Mode(String file, IniSection sw, L3Mode l3, L3SectionReader l3Reader, List<String> notes) {
        int l3Sections = l3Reader.subnets().size() + l3Reader.routes().size() + l3Reader.neighbours().size();
        if (l3 == L3Mode.NONE && l3Sections > 0) {
            notes.add(file + ":" + Math.max(sw.line(), 1) + ": l3 = none: the " + l3Sections
                    + " subnet, route and neighbour sections are not used until l3 is ovs-only or ipforward");
        }
        if (l3 != L3Mode.NONE && l3Reader.subnets().isEmpty()) {
            notes.add(file + ":" + Math.max(sw.line(), 1) + ": l3 = " + l3.configName()
                    + " but there is no [subnet]: nothing is routed");
        }
    }
}
