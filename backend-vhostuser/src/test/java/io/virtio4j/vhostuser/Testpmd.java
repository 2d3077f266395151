package io.virtio4j.vhostuser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.virtio4j.testing.Prerequisites;

/**
 * One dpdk-testpmd process with its log: started with the EAL and forwarding options that work on
 * this 2-core machine (see shared/notes/real-peers.md: {@code --no-huge -m 256}, a forwarding core
 * besides the main one, a private {@code --file-prefix}, {@code --stats-period} because stdin is
 * /dev/null), stopped on close (SIGTERM, then SIGKILL after 5 s), which may be called more than once.
 */
final class Testpmd implements AutoCloseable {
    static final Pattern RX_PACKETS = Pattern.compile("RX-packets:\\s+(\\d+)");
    static final Pattern TX_PACKETS = Pattern.compile("TX-packets:\\s+(\\d+)");
    static final Pattern TX_PPS = Pattern.compile("Tx-pps:\\s+(\\d+)");
    static final Pattern RX_PPS = Pattern.compile("Rx-pps:\\s+(\\d+)");
    static final Pattern NEGOTIATED = Pattern.compile("negotiated Virtio features: 0x([0-9a-fA-F]+)");

    private final Process process;
    private final Path log;

    private Testpmd(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Skips (or fails under CI) when testpmd or root is missing. */
    static void require() {
        Prerequisites.requireExecutable("dpdk-testpmd", "apt-get install dpdk");
        Prerequisites.requireRoot();
    }

    /** One port {@code vdev} forwarding in {@code mode}; the log is {@code dir/prefix.log}. */
    static Testpmd start(Path dir, String prefix, String vdev, String mode) throws IOException {
        return start(dir, prefix, List.of(vdev), mode);
    }

    /**
     * Starts testpmd with one port per entry of {@code vdevs} (each {@code name,key=value,...}),
     * one queue pair each, forwarding in {@code mode} (io, txonly, rxonly, ...).
     */
    static Testpmd start(Path dir, String prefix, List<String> vdevs, String mode) throws IOException {
        require();
        List<String> cmd = new ArrayList<>(List.of("dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "256",
                "--no-pci", "--file-prefix", prefix + "-" + ProcessHandle.current().pid()));
        for (String vdev : vdevs) {
            cmd.add("--vdev");
            cmd.add(vdev);
        }
        cmd.addAll(List.of("--", "--forward-mode=" + mode, "--stats-period", "1", "--nb-cores=1", "--txq=1", "--rxq=1",
                "--total-num-mbufs=16384"));
        Path log = dir.resolve(prefix + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        return new Testpmd(p, log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the log says {@code text}; fails with the log after {@code timeout} or if testpmd exits. */
    void waitForLog(String text, Duration timeout) throws Exception {
        waitFor(() -> {
            try {
                return Files.exists(log) && Files.readString(log).contains(text);
            } catch (IOException e) {
                return false;
            }
        }, timeout, "testpmd never said '" + text + "'");
    }

    /** Waits until {@code condition} holds; fails with the log after {@code timeout} or if testpmd exits. */
    void waitFor(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError(what + (process.isAlive() ? " within " + timeout : " (testpmd exited)") + ":\n" + tail());
            }
            Thread.sleep(20);
        }
    }

    /** The largest value testpmd printed for {@code counter} (cumulative counters: the latest one). */
    long maxCounter(Pattern counter) throws IOException {
        long max = 0;
        Matcher m = counter.matcher(Files.readString(log));
        while (m.find()) {
            max = Math.max(max, Long.parseLong(m.group(1)));
        }
        return max;
    }

    /**
     * The feature bits net_vhost's vhost library last logged as negotiated (DPDK 22.11's INFO line
     * "VHOST_CONFIG: (SOCKET) negotiated Virtio features: 0xHEX"), or -1 if it logged none: what the
     * back-end took from our SET_FEATURES, not what we meant to send.
     */
    long negotiatedFeatures() throws IOException {
        long last = -1;
        Matcher m = NEGOTIATED.matcher(Files.readString(log));
        while (m.find()) {
            last = Long.parseUnsignedLong(m.group(1), 16);
        }
        return last;
    }

    /** The last 3000 characters of the log, for failure messages. */
    String tail() {
        try {
            String s = Files.readString(log);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGKILL, no goodbye: the peer vanishes as a crashed process does. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        keepLog();
    }

    /** With TESTPMD_LOG_DIR set, copies the whole log there (the test's own directory is deleted). */
    private void keepLog() {
        String keep = System.getenv("TESTPMD_LOG_DIR");
        if (keep != null) {
            try {
                Files.copy(log, Path.of(keep).resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                System.err.println("could not keep " + log + ": " + e);
            }
        }
    }
}
