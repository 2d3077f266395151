package io.virtio4j.samples.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.virtio4j.testing.Prerequisites;

/**
 * dpdk-testpmd as two listening guests: two {@code net_virtio_user} ports with {@code server=1} on
 * {@code a.sock} and {@code b.sock}, io forwarding between them; {@link #inject()} sends bursts
 * ({@code start tx_first}) that then circle through the switch for as long as both sides run.
 * Interactive (commands on stdin) rather than {@code --tx-first}: that option turns testpmd's
 * link-state interrupts off ("lsc_interrupt needs to be off when using tx_first"), and without them
 * a {@code server=1} port never notices its back-end left, so it never accepts the next one.
 * Options as the other testpmd tests use them on a 2-core machine: {@code --no-huge -m 256}
 * (memfd-backed, no hugepages needed), forwarding on CPU 0, a private {@code --file-prefix} (reused
 * by every start, so restarts leave one runtime directory). Output is appended to {@code log}.
 */
public final class ListeningTestpmd implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ListeningTestpmd(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Skips (or fails with CI=true) without testpmd or root. */
    public static void require() {
        Prerequisites.requireExecutable("dpdk-testpmd", "apt-get install dpdk");
        Prerequisites.requireRoot();
    }

    public static ListeningTestpmd start(Path a, Path b, String prefix, Path log) throws IOException {
        List<String> cmd = List.of("dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", prefix,
                "--vdev", "net_virtio_user0,path=" + a + ",server=1,queues=1,queue_size=256",
                "--vdev", "net_virtio_user1,path=" + b + ",server=1,queues=1,queue_size=256",
                "--", "-i", "--forward-mode=io", "--nb-cores=1", "--txq=1", "--rxq=1", "--total-num-mbufs=16384");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ListeningTestpmd(p, log);
    }

    /**
     * Puts new frames into the loop: forwarding restarted with 4 bursts of 32 sent first on each
     * port. A back-end that was killed takes the frames it held with it, so the loop would
     * otherwise run dry over the cycles. Read by testpmd once its prompt is up (after the switch
     * connected both ports: with {@code server=1} it waits for that before anything else).
     */
    public void inject() throws IOException {
        process.getOutputStream().write("stop\nstart tx_first 4\n".getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().flush();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the guest vanishes as a crashed one does, leaving its socket files behind. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("testpmd survived SIGKILL");
        }
    }

    /** The last 3000 characters of the log, for failure messages. */
    public String tail() {
        try {
            String s = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
