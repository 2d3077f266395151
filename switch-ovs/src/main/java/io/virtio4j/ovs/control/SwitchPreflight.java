package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.ConfigLines;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;

import java.nio.file.Path;

/**
 * Checks every resource a config names before the daemon creates anything (control socket,
 * counters file, namespace, ports), so a mistake is reported as {@code FILE:LINE: problem; fix}
 * and leaves nothing behind: socket and counters directories, socket path lengths, sockets another
 * live process listens on, and the CPUs of {@code pmd-cpus}.
 *
 * <p>The checks cannot close the window between themselves and the bind (another process may
 * bind in between); they turn the common mistakes (two switches on one port path, a missing
 * directory, a CPU this machine lacks) into clear errors.
 */
final class SwitchPreflight {
    private SwitchPreflight() {
    }

    /** Fails with the first problem found, at the config line that names the resource. */
    static void check(SwitchConfig config) {
        ConfigLines lines = config.lines();
        String control = ConfigLines.key("switch", "", "control");
        checkSocketFree(lines, control, "control socket", config.controlSocket(),
                "stop that switch first, or give this one another control = path");
        for (PortSpec port : config.spec().ports()) {
            if (port.type() == PortType.VHOST_USER_SERVER) {
                checkServerPort(lines, port);
            }
        }
    }

    private static void checkServerPort(ConfigLines lines, PortSpec port) {
        String key = ConfigLines.key("port", port.name(), "path");
        Path path = Path.of(port.target());
        checkSocketFree(lines, key, "[port " + port.name() + "] socket", path,
                "stop the other switch (or the QEMU/DPDK server) using it, or give this port another path");
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
}
