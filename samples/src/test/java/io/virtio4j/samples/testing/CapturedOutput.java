package io.virtio4j.samples.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs a subcommand or sample main with System.out captured (and echoed, so a failing test shows it). */
public final class CapturedOutput {
    /** A body that may throw. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private CapturedOutput() {
    }

    /** What {@code body} printed to System.out. */
    public static synchronized String of(Body body) throws Exception {
        return capture(body, System.out, System::setOut);
    }

    /** What {@code body} printed to System.err. */
    public static synchronized String ofErr(Body body) throws Exception {
        return capture(body, System.err, System::setErr);
    }

    private static String capture(Body body, PrintStream old, java.util.function.Consumer<PrintStream> set) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        set.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            set.accept(old);
            old.print(bytes.toString(StandardCharsets.UTF_8));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Opens what the JDK keeps open once first used (the /dev/random and /dev/urandom behind
     * temporary file names), so a later fd count sees only what the code under test leaves open.
     */
    public static void warmUpJdkFds() throws IOException {
        Files.delete(Files.createTempDirectory("virtio4j-warm-up"));
    }

    /** File descriptors this process has open now. */
    public static long openFds() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What each open fd points at (for a failure message). */
    public static java.util.List<String> fdTargets() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> {
                try {
                    return p.getFileName() + "->" + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + "->?";
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits up to 5 s for the open fds to come back to {@code expected}; fails naming both counts. */
    public static void awaitFds(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (openFds() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (openFds() != expected) {
            throw new AssertionError("open fds " + openFds() + ", expected " + expected + ": something was not closed: " + fdTargets());
        }
    }
}
