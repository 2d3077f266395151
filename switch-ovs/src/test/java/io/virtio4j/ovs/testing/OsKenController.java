package io.virtio4j.ovs.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.testing.Prerequisites;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The os-ken L2 learning app (src/test/resources/openflow/osken_l2_learning.py) run by
 * {@code osken-manager} (Debian python3-os-ken) on a free loopback port, as a real controller
 * for the switch to connect to; its log is kept in a file for the tests to read and to show when
 * they fail. Skipped with a reason outside CI when osken-manager is missing; a failure in CI (the
 * caller's class must be tagged NeedsPeer).
 */
public final class OsKenController implements AutoCloseable {
    private static final long WAIT_NANOS = 20_000_000_000L;

    private final Process process;
    private final Path log;
    private final int port;
    /** Killed on purpose: waits go on without it. */
    private volatile boolean killed;

    private OsKenController(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts the app in {@code dir} with {@code env} added to its environment (OSKEN_L2_VLANS, OSKEN_L2_IDLE). */
    public static OsKenController start(Path dir, Map<String, String> env) throws IOException {
        Path manager = Prerequisites.requireExecutable("osken-manager", "apt-get install python3-os-ken");
        Path app = dir.resolve("osken_l2_learning.py");
        try (InputStream in = OsKenController.class.getResourceAsStream("/openflow/osken_l2_learning.py")) {
            Files.write(app, in.readAllBytes());
        }
        int port = LoopbackPorts.free();
        Path log = dir.resolve("osken-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder(manager.toString(), "--ofp-listen-host", "127.0.0.1",
                "--ofp-tcp-listen-port", String.valueOf(port), app.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new OsKenController(pb.start(), log, port);
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** What it logged so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(its log cannot be read: " + e + ")";
        }
    }

    /**
     * Waits up to 20 s for {@code condition}, failing with {@code what} and the log, or if the
     * controller died before {@link #kill}.
     */
    public void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            assertTrue(killed || process.isAlive(), "osken-manager ended: " + log());
            assertTrue(System.nanoTime() < deadline, what + "; osken-manager's log: " + log());
            Thread.sleep(10);
        }
    }

    /** Kills it (SIGTERM) and waits until it is gone: its connections end. */
    public void kill() throws InterruptedException {
        killed = true;
        process.destroy();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "osken-manager did not end");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
