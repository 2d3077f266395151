package io.virtio4j.ovs.testing;

import java.nio.file.Path;
import java.util.List;

import io.virtio4j.ovs.control.SwitchDaemon;

/**
 * The command line a test starts the switch daemon with, in its own JVM on the test's class path.
 *
 * <p>It runs under {@code env --default-signal=HUP,INT,QUIT}: a test run started from a
 * non-interactive shell's background job or under {@code nohup} hands its children SIGINT, SIGQUIT
 * and SIGHUP ignored, and a JVM keeps an ignored signal ignored, so the signal tests would see a
 * daemon that never hears them. The daemon itself honours an inherited ignore (nohup means it).
 */
public final class DaemonCommand {
    private DaemonCommand() {
    }

    /** {@code java ... SwitchDaemon --config CONFIG} with the signals a terminal would deliver at their defaults. */
    public static List<String> of(Path config) {
        return List.of("env", "--default-signal=HUP,INT,QUIT",
                ProcessHandle.current().info().command().orElseThrow(),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SwitchDaemon.class.getName(), "--config", config.toString());
    }
}
