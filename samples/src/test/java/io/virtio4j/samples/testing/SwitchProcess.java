package io.virtio4j.samples.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.virtio4j.ovs.control.ControlClient;
import io.virtio4j.ovs.control.ControlException;
import io.virtio4j.ovs.control.ControlReply;

/**
 * {@code ./virtio4j switch --config FILE} as a process of its own: the launcher's main class and
 * JVM options on the class path Maven wrote for the module (the launcher's jar does not exist yet
 * when the tests run). Its output goes to {@code log}, appended, so one file holds every start of a
 * restart loop. Only {@link #kill()} (SIGKILL) and {@link #stop()} (SIGTERM) end it.
 */
public final class SwitchProcess implements AutoCloseable {
    /** Generous: a start on a loaded 2-core machine (other builds, testpmd spinning) can take seconds. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Process process;
    private final Path control;
    private final Path log;

    private SwitchProcess(Process process, Path control, Path log) {
        this.process = process;
        this.control = control;
        this.log = log;
    }

    /**
     * Writes {@code dir/switch.conf}: a {@code [switch]} section with the control socket
     * ({@code ctl.sock}) and counters file the tests use, then {@code rest} (more {@code [switch]}
     * keys, then the ports); relative paths in it are the directory's.
     */
    public static Path writeConfig(Path dir, String rest) throws IOException {
        Path config = dir.resolve("switch.conf");
        Files.writeString(config, "[switch]\ncontrol = ctl.sock\ncounters = switch.counters\n" + rest);
        return config;
    }

    /** Starts the daemon and returns once its control socket answers. */
    public static SwitchProcess start(Path config, Path control, Path log) throws IOException, InterruptedException {
        Path classpathFile = Path.of("target", "guest-classpath.txt");
        if (!Files.exists(classpathFile)) {
            throw new AssertionError(classpathFile + " missing: Maven writes it (dependency:build-classpath)");
        }
        String classpath = Path.of("target", "classes").toAbsolutePath() + ":" + Files.readString(classpathFile).strip();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
                classpath, "io.virtio4j.samples.Main", "switch", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        SwitchProcess daemon = new SwitchProcess(p, control, log);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!daemon.answers()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String state = p.isAlive() ? "still starting" : "exited with " + p.exitValue();
                p.destroyForcibly().waitFor();
                throw new AssertionError("the switch did not come up within " + WAIT + " (" + state + "):\n" + daemon.tail());
            }
            Thread.sleep(10);
        }
        return daemon;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private boolean answers() {
        try {
            return ControlClient.send(control, "pmd-stats", WAIT).ok();
        } catch (ControlException notYet) {
            return false;
        }
    }

    /** The row of {@code ctl ports} for {@code port}, split on blanks (state at 4, rx_frames 7, tx_frames 9). */
    public String[] port(String port) {
        ControlReply reply = ControlClient.send(control, "ports", WAIT);
        if (!reply.ok()) {
            throw new AssertionError("ctl ports: " + reply.error());
        }
        List<String[]> rows = reply.lines().stream().map(l -> l.trim().split("\\s+")).toList();
        return rows.stream().filter(cells -> cells[0].equals(port)).findFirst()
                .orElseThrow(() -> new AssertionError("no port " + port + " in " + reply.lines()));
    }

    public String ctl(String command) {
        ControlReply reply = ControlClient.send(control, command, WAIT);
        return reply.ok() ? String.join("\n", reply.lines()) : "ERROR " + reply.error();
    }

    /** SIGKILL, as a crash or the OOM killer: nothing is cleaned up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the switch survived SIGKILL");
        }
    }

    /** SIGTERM and the exit status (the switch stops cleanly on it). */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the switch did not stop on SIGTERM within 20 s:\n" + tail());
        }
        return process.exitValue();
    }

    /** The last 4000 characters of the log, for failure messages. */
    public String tail() {
        try {
            String s = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
