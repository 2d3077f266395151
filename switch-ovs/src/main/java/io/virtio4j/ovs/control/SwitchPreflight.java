package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.ConfigLines;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks every resource a config names before the daemon creates anything (control socket,
 * counters file, namespace, ports), so a mistake is reported as {@code FILE:LINE: problem; fix}
 * and leaves nothing behind: socket and counters directories, socket path lengths, sockets another
 * live process listens on, TAP names taken by other kinds of interface, and the CPUs of
 * {@code pmd-cpus}.
 *
 * <p>The checks cannot close the window between themselves and the bind (another process may
 * bind in between); they turn the common mistakes (two switches on one port path, a missing
 * directory, a CPU this machine lacks) into clear errors.
 */
final class SwitchPreflight {
    /** Where the kernel lists the CPUs this process may run on. */
    static final Path PROC_STATUS = Path.of("/proc/self/status");
    /** One directory per network interface; a TUN/TAP device's has a {@code tun_flags} file. */
    static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

    private SwitchPreflight() {
    }

    /** Fails with the first problem found, at the config line that names the resource. */
    static void check(SwitchConfig config) {
        ConfigLines lines = config.lines();
        String control = ConfigLines.key("switch", "", "control");
        checkSocketLength(lines, control, "control", config.controlSocket());
        checkCreatableDirectory(lines, control, "control", config.controlSocket());
        checkSocketFree(lines, control, "control socket", config.controlSocket(),
                "stop that switch first, or give this one another control = path");
        checkCreatableDirectory(lines, ConfigLines.key("switch", "", "counters"), "counters", config.countersFile());
        checkPorts(lines, config.spec().ports());
        checkCpus(lines, config.pmdCpus(), allowedCpus());
    }

    /** The checks of {@link #check} for {@code ports} alone: the ports a live reconfiguration opens. */
    static void checkPorts(ConfigLines lines, List<PortSpec> ports) {
        for (PortSpec port : ports) {
            if (port.type() == PortType.VHOST_USER_SERVER) {
                checkServerPort(lines, port);
            } else if (port.type() == PortType.TAP || port.type() == PortType.INTERNAL) {
                checkTapName(lines, port);
            }
        }
    }

    private static void checkServerPort(ConfigLines lines, PortSpec port) {
        String key = ConfigLines.key("port", port.name(), "path");
        Path path = Path.of(port.target());
        checkSocketLength(lines, key, "path", path);
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw lines.error(key, "[port " + port.name() + "] path " + path + ": the directory " + dir
                    + " does not exist; create it (mkdir -p " + dir + ") or choose a path in an existing directory");
        }
        if (!Files.isWritable(dir)) {
            throw lines.error(key, "[port " + port.name() + "] path " + path + ": the directory " + dir
                    + " is not writable by this user; run the switch as its owner or choose another directory");
        }
        checkSocketFree(lines, key, "[port " + port.name() + "] socket", path,
                "stop the other switch (or the QEMU/DPDK server) using it, or give this port another path");
    }

    /** A TAP port's name may be a TAP that already exists, but not some other kind of interface. */
    private static void checkTapName(ConfigLines lines, PortSpec port) {
        Path sys = SYS_CLASS_NET.resolve(port.target());
        if (Files.isDirectory(sys) && !Files.exists(sys.resolve("tun_flags"))) {
            throw lines.error(ConfigLines.key("port", port.name(), "ifname"), "[port " + port.name() + "] ifname "
                    + port.target() + " is an existing interface that is not a TAP device; choose another ifname"
                    + " (ip link shows the names in use)");
        }
    }

    private static void checkSocketFree(ConfigLines lines, String key, String what, Path path, String fix) {
        switch (SocketProbe.of(path)) {
            case ABSENT, STALE -> {
                // Free, or left by a process that is gone: the bind may replace it.
            }
            case LIVE -> throw lines.error(key, "another process is already listening on the " + what + " " + path
                    + "; " + fix);
            case NOT_OURS -> throw lines.error(key, "the " + what + " " + path
                    + " exists and belongs to another user, so whether someone listens cannot be checked; " + fix);
            case NOT_A_SOCKET -> throw lines.error(key, "the " + what + " path " + path
                    + " exists and is not a socket; remove that file or choose another path");
        }
    }

    private static void checkSocketLength(ConfigLines lines, String key, String name, Path path) {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > ControlSocketPath.MAX_PATH_BYTES) {
            throw lines.error(key, name + " = " + path + " is " + bytes + " bytes; Unix sockets allow at most "
                    + ControlSocketPath.MAX_PATH_BYTES + ": choose a shorter path");
        }
    }

    /** The file's directory is created if missing: the nearest existing ancestor must be a writable directory. */
    private static void checkCreatableDirectory(ConfigLines lines, String key, String name, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw lines.error(key, name + " = " + file + ": " + existing + " is not a directory; choose a path in a directory");
        }
        if (!Files.isWritable(existing)) {
            throw lines.error(key, name + " = " + file + ": " + (existing.equals(dir) ? "the directory " : "cannot create "
                    + dir + " because ") + existing + " is not writable by this user; run the switch as the owner"
                    + " (usually root) or choose another path");
        }
    }

    /** Every CPU of {@code pmd-cpus} must be one this process may run on. */
    static void checkCpus(ConfigLines lines, List<Integer> pmdCpus, List<Integer> allowed) {
        if (allowed.isEmpty()) {
            return;
        }
        for (int cpu : pmdCpus) {
            if (!allowed.contains(cpu)) {
                throw lines.error(ConfigLines.key("switch", "", "pmd-cpus"), "pmd-cpus: CPU " + cpu
                        + " does not exist or is not available to this process (allowed: " + ranges(allowed)
                        + "); name CPUs from that list, or leave pmd-cpus out");
            }
        }
    }

    /** The CPUs this process may run on ({@code Cpus_allowed_list}), or empty when unknown. */
    static List<Integer> allowedCpus() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseCpuList(line.substring(line.indexOf(':') + 1).strip());
                }
            }
        } catch (IOException | RuntimeException unknown) {
            // Not Linux, or /proc not mounted: the data path reports a failed pin itself.
        }
        return List.of();
    }

    /** Parses a kernel CPU list such as {@code 0-3,8}. */
    static List<Integer> parseCpuList(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.strip().split("-");
            int first = Integer.parseInt(range[0]);
            int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
            for (int cpu = first; cpu <= last; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }

    private static String ranges(List<Integer> cpus) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < cpus.size()) {
            int j = i;
            while (j + 1 < cpus.size() && cpus.get(j + 1) == cpus.get(j) + 1) {
                j++;
            }
            sb.append(sb.isEmpty() ? "" : ",").append(cpus.get(i)).append(i == j ? "" : "-" + cpus.get(j));
            i = j + 1;
        }
        return sb.toString();
    }
}
