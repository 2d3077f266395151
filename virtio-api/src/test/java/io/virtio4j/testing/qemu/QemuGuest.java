package io.virtio4j.testing.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A running {@code scripts/qemu-guest.sh}: one QEMU guest booting, running its commands and
 * powering off. Its serial console goes to a file the test reads while it runs and after it ended.
 * {@link #close()} kills the script and its QEMU if they are still running.
 */
public final class QemuGuest implements AutoCloseable {
    /** Tests run in the module directory; the scripts are the project's. */
    static final Path SCRIPT = Path.of("..", "scripts", "qemu-guest.sh").toAbsolutePath().normalize();

    private final GuestSpec spec;
    private final Process process;
    private final Path console;
    private final Path output;

    private QemuGuest(GuestSpec spec, Process process, Path console, Path output) {
        this.spec = spec;
        this.process = process;
        this.console = console;
        this.output = output;
    }

    /** Starts the script for {@code spec}; console and script output go to files in {@code dir}. */
    public static QemuGuest boot(GuestSpec spec, Path dir, Duration timeout) throws IOException {
        Path console = dir.resolve(spec.name() + ".console");
        Path output = dir.resolve(spec.name() + ".out");
        List<String> command = new ArrayList<>();
        command.add(SCRIPT.toString());
        command.addAll(spec.scriptArguments(console, (int) timeout.toSeconds()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new QemuGuest(spec, process, console, output);
    }

    public GuestSpec spec() {
        return spec;
    }

    /** The console so far ("" before QEMU created it), without the serial line's carriage returns. */
    public String console() throws IOException {
        return Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1).replace("\r", "") : "";
    }

    /** Waits until the console has a line matching {@code line}; fails with the console if it does not come. */
    public void awaitConsoleLine(Pattern line, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!line.matcher(console()).find()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                fail(spec.name() + ": no console line " + line + " within " + timeout.toSeconds() + " s (script "
                        + (process.isAlive() ? "still running" : "exited " + process.exitValue()) + "):\n" + console()
                        + "\nscript output:\n" + scriptOutput());
            }
            Thread.sleep(100);
        }
    }

    /** Waits until the guest finished its command {@code n} (1-based), whatever its status. */
    public void awaitCommandDone(int n, Duration timeout) throws IOException, InterruptedException {
        awaitConsoleLine(Pattern.compile("(?m)^qemu-guest: exit " + n + " \\d+$"), timeout);
    }

    /** True while the script (and so its QEMU) runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the script to end and returns what the guest did; fails if it runs past {@code timeout}. */
    public GuestRun await(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            fail(spec.name() + " still running after " + timeout.toSeconds() + " s; console:\n" + console());
        }
        return new GuestRun(spec.name(), process.exitValue(), console(), scriptOutput());
    }

    private String scriptOutput() throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.ISO_8859_1) : "";
    }

    /** Kills the script and QEMU (its descendants) if they still run; the test started them. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
