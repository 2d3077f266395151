package io.virtio4j.vhostuser;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.virtio4j.testing.Prerequisites;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real peer: DPDK's testpmd with a {@code net_virtio_user} port is the front-end (the user-space
 * virtio driver of a real stack). Both socket roles; bounded in time; testpmd always killed.
 */
class TestpmdPeerTest {
    private static final Duration RUN = Duration.ofSeconds(6);
    private static final Pattern RX_PACKETS = Pattern.compile("RX-packets:\\s+(\\d+)");
    private static final Pattern TX_PACKETS = Pattern.compile("TX-packets:\\s+(\\d+)");
    private static final Pattern TX_PPS = Pattern.compile("Tx-pps:\\s+(\\d+)");
    private static final Pattern RX_PPS = Pattern.compile("Rx-pps:\\s+(\\d+)");

    @TempDir
    Path dir;

    /**
     * One dpdk-testpmd process with its log: started with the common EAL and forwarding options,
     * stopped (SIGTERM, then SIGKILL after 5 s) on close, which may be called more than once.
     */
    private static final class Testpmd implements AutoCloseable {
        private final Process process;
        private final Path log;

        private Testpmd(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        /** Skips (or fails under CI) when testpmd or root is missing; otherwise starts it. */
        static Testpmd start(Path log, String vdev, String mode, String prefix) throws IOException {
            Prerequisites.requireExecutable("dpdk-testpmd", "apt-get install dpdk");
            Prerequisites.requireRoot();
            List<String> cmd = new ArrayList<>(List.of("dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "256",
                    "--no-pci", "--file-prefix", prefix + "-" + ProcessHandle.current().pid(), "--vdev", vdev, "--",
                    "--forward-mode=" + mode, "--stats-period", "1", "--nb-cores=1", "--txq=1", "--rxq=1",
                    "--total-num-mbufs=16384"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            return new Testpmd(p, log);
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Waits until the log says {@code text}; fails with the log after {@code timeout}. */
        void waitForLog(String text, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!(Files.exists(log) && Files.readString(log).contains(text))) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError("testpmd never said '" + text + "':\n" + tail());
                }
                Thread.sleep(50);
            }
        }

        /** The largest value testpmd printed for {@code counter} in its periodic stats. */
        long maxCounter(Pattern counter) throws IOException {
            long max = 0;
            Matcher m = counter.matcher(Files.readString(log));
            while (m.find()) {
                max = Math.max(max, Long.parseLong(m.group(1)));
            }
            return max;
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

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void testpmdTxonlyFramesAreReceivedWithOurBackendAsServer() throws Exception {
        Path sock = dir.resolve("vu0.sock");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        AtomicLong frames = new AtomicLong();
        AtomicLong wrongLength = new AtomicLong();
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> port);
             Testpmd testpmd = Testpmd.start(dir.resolve("testpmd.log"), "net_virtio_user0,path=" + sock + ",queues=1,queue_size=256",
                     "txonly", "vu-tx")) {
            long deadline = System.nanoTime() + RUN.toNanos();
            while (System.nanoTime() < deadline && testpmd.isAlive()) {
                int n = port.receive(0, (buf, off, len) -> {
                    frames.incrementAndGet();
                    if (len != 64) {
                        wrongLength.incrementAndGet();
                    }
                }, 32);
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
            long received = frames.get();
            testpmd.close();
            long transmitted = testpmd.maxCounter(TX_PACKETS);
            System.out.println("testpmd txonly -> our backend: " + received + " frames in " + RUN.toSeconds()
                    + " s; testpmd reported " + transmitted + " transmitted, best Tx-pps " + testpmd.maxCounter(TX_PPS));
            // testpmd prints final stats on SIGTERM: we got what it sent, minus at most one ring's worth in flight.
            assertTrue(received <= transmitted && transmitted - received <= 1024,
                    "received " + received + " of " + transmitted + "\n" + testpmd.tail());
            assertTrue(frames.get() > 10_000, "only " + frames.get() + " frames; testpmd log:\n" + testpmd.tail());
            assertEquals(0, wrongLength.get(), "txonly sends 64-byte frames");
            assertEquals(0, server.counters().disconnects(), testpmd.tail());
        }
    }

    @Test
    void framesWeSendAreCountedByTestpmdRxonlyWithOurBackendAsClient() throws Exception {
        Path sock = dir.resolve("vu1.sock");
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        long sent = 0;
        try (VhostUserClient client = VhostUserClient.connect(sock, Duration.ofMillis(50), BackendConfig.net(1), () -> port);
             Arena arena = Arena.ofConfined();
             Testpmd testpmd = Testpmd.start(dir.resolve("testpmd-rx.log"),
                     "net_virtio_user0,path=" + sock + ",queues=1,queue_size=256,server=1", "rxonly", "vu-rx")) {
            MemorySegment frame = arena.allocate(64);
            frame.fill((byte) 0xFF); // broadcast destination, any payload
            frame.asSlice(6, 6).fill((byte) 0x02);
            MemorySegment[] frames = new MemorySegment[32];
            long[] lengths = new long[32];
            java.util.Arrays.fill(frames, frame);
            java.util.Arrays.fill(lengths, 64);
            long deadline = System.nanoTime() + RUN.toNanos();
            while (System.nanoTime() < deadline && testpmd.isAlive()) {
                int n = port.send(0, frames, lengths, 32);
                sent += n;
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
            Thread.sleep(1500); // one more stats period
            long counted = testpmd.maxCounter(RX_PACKETS);
            System.out.println("our backend -> testpmd rxonly: sent " + sent + ", testpmd counted " + counted
                    + ", best Rx-pps " + testpmd.maxCounter(RX_PPS));
            assertTrue(sent > 10_000, "only " + sent + " frames sent; testpmd log:\n" + testpmd.tail());
            assertTrue(counted > 0 && counted <= sent, "testpmd counted " + counted + " of " + sent + "\n" + testpmd.tail());
        }
    }

    @Test
    void ourFrontendDrivesTestpmdNetVhostWhichEchoesFramesBack() throws Exception {
        Path sock = dir.resolve("vhost.sock");
        // net_vhost is DPDK's vhost-user back-end; io forwarding with one port sends it back out.
        try (Testpmd testpmd = Testpmd.start(dir.resolve("testpmd-vhost.log"), "net_vhost0,iface=" + sock + ",queues=1", "io", "vu-fe")) {
            // Attach once forwarding runs, so the first frames are not raced against port start.
            testpmd.waitForLog("start packet forwarding", Duration.ofSeconds(30));
            try (VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(20));
                 GuestNic nic = new GuestNic()) {
                nic.attach(fe);
                int sent = 0;
                int echoed = 0;
                int bad = 0;
                byte[][] frames = new byte[GuestNic.QSIZE][];
                long deadline = System.nanoTime() + RUN.toNanos();
                int[] badHolder = new int[1];
                int[] next = new int[1];
                while (System.nanoTime() < deadline && echoed < 1000) {
                    while (sent - echoed < 64 && nic.transmit(frames[sent % GuestNic.QSIZE] = GuestNic.frame(64 + (sent % 64), sent))) {
                        sent++;
                    }
                    nic.kickTx();
                    nic.reclaimTx();
                    int base = echoed;
                    echoed += nic.receive((seg, len) -> {
                        // io forwarding keeps order and bytes: the n-th frame back is the n-th sent.
                        byte[] expected = frames[next[0]++ % GuestNic.QSIZE];
                        if (len != GuestNic.HDR + expected.length
                                || !java.util.Arrays.equals(expected, GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR))) {
                            badHolder[0]++;
                        }
                    });
                    if (echoed == base) {
                        Thread.sleep(1);
                    }
                }
                bad = badHolder[0];
                System.out.println("our frontend -> testpmd net_vhost io -> back: sent " + sent + ", echoed " + echoed);
                assertTrue(echoed >= 1000, "echoed " + echoed + " of " + sent + "\n" + testpmd.tail());
                assertEquals(0, bad, "echoed frames that differ from what was sent");
            }
        }
    }
}
