package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./virtio4j switch --config FILE} in this JVM: {@link SwitchDaemon#run} with the real data
 * path on its own thread, until {@link #close()} does what SIGTERM does (open the stop latch); the
 * close asserts the daemon exited 0. Talks to it only over its control socket.
 */
final class RunningDaemon implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final CountDownLatch stop = new CountDownLatch(1);
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<Integer> status;
    private final Path socket;

    RunningDaemon(Path config, Path socket) throws InterruptedException {
        this.socket = socket;
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        status = CompletableFuture.supplyAsync(
                () -> SwitchDaemon.run(new String[] {"--config", config.toString()}, errors, SwitchDataPath::start, stop),
                command -> Thread.ofPlatform().name("switch-daemon").start(command));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        // Up once "help" lists "reload": the daemon registers it last, after the data path's tables
        // (pmd-stats, capture, ...), which the data path registers after its PMDs started.
        while (!lists("reload")) {
            if (status.isDone() || System.nanoTime() > deadline) {
                throw new AssertionError("the switch did not come up: " + errors());
            }
            Thread.sleep(10);
        }
    }

    /** Whether {@code ctl help} answers and lists {@code command}. */
    private boolean lists(String command) {
        try {
            ControlReply help = ControlClient.send(socket, "help", TIMEOUT);
            return help.ok() && help.lines().stream().anyMatch(l -> l.trim().startsWith(command + " "));
        } catch (ControlException notYet) {
            return false;
        }
    }

    /** The lines of the table {@code command} answers (header first); fails on an error reply. */
    List<String> ctl(String command) {
        ControlReply reply = ControlClient.send(socket, command, TIMEOUT);
        if (!reply.ok()) {
            throw new AssertionError("ctl " + command + ": " + reply.error());
        }
        return reply.lines();
    }

    /** The row of {@code ctl command} whose first column is {@code key}, split on blanks. */
    String[] row(String command, String key) {
        return ctl(command).stream().map(l -> l.trim().split("\\s+")).filter(cells -> cells[0].equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + key + " in ctl " + command + ": " + ctl(command)));
    }

    /** Waits until every port of {@code ctl ports} is connected. */
    void awaitConnected(String... ports) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (String port : ports) {
            while (!row("ports", port)[4].equals("connected")) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("port " + port + " never connected: " + ctl("ports"));
                }
                Thread.sleep(5);
            }
        }
    }

    String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Stops the daemon as SIGTERM does and checks it exited 0 having written nothing to stderr. */
    @Override
    public void close() throws Exception {
        stop.countDown();
        assertEquals(SwitchDaemon.EXIT_OK, status.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), errors());
        assertEquals("", errors(), "a clean stop reports nothing");
    }
}
