package io.virtio4j.ovs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.testing.Prerequisites;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Open vSwitch's {@code ovs-ofctl -O OpenFlow13} (Debian openvswitch-common) against one switch's
 * OpenFlow listener, as an operator runs it. Skipped with a reason outside CI when it is missing;
 * a failure in CI (the caller's class must be tagged NeedsPeer).
 */
public final class OvsOfctl {
    private final Path ofctl;
    private final String target;

    private OvsOfctl(Path ofctl, String target) {
        this.ofctl = ofctl;
        this.target = target;
    }

    /** ovs-ofctl for the listener on 127.0.0.1:{@code port}. */
    public static OvsOfctl at(int port) {
        return new OvsOfctl(Prerequisites.requireExecutable("ovs-ofctl", "apt-get install openvswitch-common"),
                "tcp:127.0.0.1:" + port);
    }

    /** Starts {@code command} on the switch with {@code args} after it; stdout and stderr together. */
    public Process start(String command, String... args) throws IOException {
        List<String> line = new ArrayList<>(List.of(ofctl.toString(), "-O", "OpenFlow13", "--timeout=10", command, target));
        line.addAll(List.of(args));
        return new ProcessBuilder(line).redirectErrorStream(true).start();
    }

    /**
     * Starts {@code ovs-ofctl monitor} on the switch, its output going to {@code out}; its control
     * socket next to it (the default, under /var/run/openvswitch, needs an OVS installation).
     */
    public Process monitor(Path out) throws IOException {
        return new ProcessBuilder(ofctl.toString(), "-O", "OpenFlow13", "--unixctl=" + out.resolveSibling("ovs-ofctl.ctl"),
                "monitor", target)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    /** Runs {@code command}, which must succeed within 20 s; its output. */
    public String run(String command, String... args) throws IOException, InterruptedException {
        Process p = start(command, args);
        String what = "ovs-ofctl " + command + " " + String.join(" ", args);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), what + " did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), what + ":\n" + out);
        return out;
    }
}
