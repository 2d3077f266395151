package io.virtio4j.ovs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.virtio4j.ovs.control.CtlCommandLine;

/** {@code ./virtio4j ctl ARGS}, as an operator types it, run in this JVM against a daemon's control socket. */
public final class Ctl {
    private Ctl() {
    }

    /**
     * Runs {@code ctl ARGS --socket SOCKET}; fails the test unless it exits 0, with its stderr and
     * {@code context} (the daemon's log, say: read only on failure) in the message. Returns its stdout.
     */
    public static String run(Path socket, Supplier<String> context, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = Stream.concat(Arrays.stream(args), Stream.of("--socket", socket.toString())).toArray(String[]::new);
        int status = CtlCommandLine.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, () -> String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8) + context.get());
        return out.toString(StandardCharsets.UTF_8);
    }
}
