package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.Ctl;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * Issue 19, item 7: {@code ctl capture} writes a pcap file tshark reads, with each port's frames
 * as on its wire: untagged on an access port, 802.1Q-tagged on a trunk.
 */
class CaptureTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long MAC1 = 0x5254_0000_0001L;
    private static final long BROADCAST = 0xffff_ffff_ffffL;
    private static final int FRAMES = 5;

    @TempDir
    Path dir;

    private RunningDaemon daemon() throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection("none")
                + "[port vm1]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n"
                + "[port up]\ntype = vhost-user-server\npath = up.sock\ntrunk = 10,20\n");
        return new RunningDaemon(file, dir.resolve("ctl.sock"));
    }

    private String ctl(String... args) {
        return Ctl.run(dir.resolve("ctl.sock"), () -> "", args);
    }

    @NeedsPeer
    @Test
    void aCaptureOfEachSideShowsTheFramesAsOnThatPortsWire() throws Exception {
        Path tshark = Prerequisites.requireExecutable("tshark", "apt-get install tshark");
        Path rxFile = dir.resolve("vm1-rx.pcap");
        Path txFile = dir.resolve("up-tx.pcap");
        byte[] frame = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, new byte[100]);
        try (RunningDaemon daemon = daemon();
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"));
             AttachedGuest up = AttachedGuest.connect("up", dir.resolve("up.sock"))) {
            daemon.awaitConnected("vm1", "up");
            String started = ctl("capture", "vm1", "rx", "--count", String.valueOf(FRAMES), "--write", rxFile.toString());
            assertTrue(started.contains("vm1") && started.contains("rx") && started.contains(rxFile.toString()), started);
            ctl("capture", "up", "tx", "--count", String.valueOf(FRAMES), "--seconds", "30", "--write", txFile.toString());
            for (int i = 0; i < FRAMES + 2; i++) {
                vm1.send(frame);
                byte[] got = up.await(WAIT);
                assertEquals(frame.length + 4, got.length, "tagged on the trunk");
            }
            awaitDone(daemon, "vm1");
            awaitDone(daemon, "up");
            String[] row = daemon.row("captures", "vm1");
            assertEquals(List.of("vm1", "rx", "done", String.valueOf(FRAMES), String.valueOf(FRAMES * frame.length), "0",
                    rxFile.toString()), List.of(row));
        }
        List<String> rx = tshark(tshark, rxFile);
        assertEquals(FRAMES, rx.size(), rx.toString());
        for (String line : rx) {
            assertEquals("52:54:00:00:00:01\t\t" + frame.length, line, "untagged, as vm1 sent it");
        }
        List<String> tx = tshark(tshark, txFile);
        assertEquals(FRAMES, tx.size(), tx.toString());
        for (String line : tx) {
            assertEquals("52:54:00:00:00:01\t10\t" + (frame.length + 4), line, "VLAN 10 tag, as the trunk's peer got it");
        }
    }

    @NeedsPeer
    @Test
    void stoppingTheSwitchWritesWhatARunningCaptureHolds() throws Exception {
        Path tshark = Prerequisites.requireExecutable("tshark", "apt-get install tshark");
        Path file = dir.resolve("both.pcap");
        byte[] frame = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, new byte[46]);
        try (RunningDaemon daemon = daemon();
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"));
             AttachedGuest up = AttachedGuest.connect("up", dir.resolve("up.sock"))) {
            daemon.awaitConnected("vm1", "up");
            ctl("capture", "up", "--seconds", "600", "--write", file.toString());
            for (int i = 0; i < 3; i++) {
                vm1.send(frame);
                up.await(WAIT);
            }
            up.send(Frames.ethernet(BROADCAST, MAC1 + 1, 20, 0x88b5, new byte[46]));
            // Goes nowhere (nothing else on VLAN 20): received once counted, which the PMD does in the
            // burst that copies it to the capture; the stop joins the PMD, so that burst completes.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!daemon.row("ports", "up")[7].equals("1")) {
                assertTrue(System.nanoTime() < deadline, "up's frame never arrived: " + daemon.ctl("ports"));
                Thread.sleep(5);
            }
            assertEquals("running", daemon.row("captures", "up")[2]);
        }
        List<String> both = tshark(tshark, file);
        assertEquals(List.of("52:54:00:00:00:01\t10\t64", "52:54:00:00:00:01\t10\t64", "52:54:00:00:00:01\t10\t64",
                "52:54:00:00:00:02\t20\t64"), both, "tx to the trunk, then what it sent on VLAN 20 (rx)");
    }

    @NeedsPeer
    @Test
    void aCaptureFollowsItsPortByNameAcrossAddedAndRemovedPortsAndEndsWithIt() throws Exception {
        Path tshark = Prerequisites.requireExecutable("tshark", "apt-get install tshark");
        Path file = dir.resolve("vm1-across-add.pcap");
        byte[] before = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, new byte[46]);
        byte[] after = Frames.ethernet(BROADCAST, MAC1, 0, 0x88b5, new byte[100]);
        try (RunningDaemon daemon = daemon();
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"));
             AttachedGuest up = AttachedGuest.connect("up", dir.resolve("up.sock"))) {
            daemon.awaitConnected("vm1", "up");
            ctl("capture", "vm1", "rx", "--count", "6", "--seconds", "30", "--write", file.toString());
            for (int i = 0; i < 3; i++) {
                vm1.send(before);
                up.await(WAIT);
            }
            // The switch builds new executors for the new port set: the capture must be handed on to them.
            ctl("add-port", "vm0", "type=vhost-user-server", "path=vm0.sock", "vlan=10");
            for (int i = 0; i < 3; i++) {
                vm1.send(after);
                up.await(WAIT);
            }
            awaitState(daemon, "vm1", "done");
            assertEquals(List.of("vm1", "rx", "done", "6", String.valueOf(3 * before.length + 3 * after.length), "0",
                    file.toString()), List.of(daemon.row("captures", "vm1")));

            ctl("capture", "vm0", "--seconds", "600", "--write", dir.resolve("vm0.pcap").toString());
            ctl("del-port", "vm0");
            awaitState(daemon, "vm0", "port-removed");
            assertTrue(Files.exists(dir.resolve("vm0.pcap")), "the ended capture's file is complete");

            // Removing vm1 renumbers up (port 1 becomes port 0): its capture follows it by name.
            byte[] tagged = Frames.ethernet(BROADCAST, MAC1 + 1, 10, 0x88b5, new byte[46]);
            ctl("capture", "up", "rx", "--count", "4", "--seconds", "30", "--write", dir.resolve("up-rx.pcap").toString());
            for (int i = 0; i < 2; i++) {
                up.send(tagged);
                vm1.await(WAIT);
            }
            ctl("del-port", "vm1");
            assertEquals("0", daemon.row("ports", "up")[1], "up is port 0 now");
            for (int i = 0; i < 2; i++) {
                up.send(tagged);
            }
            awaitState(daemon, "up", "done");
            assertEquals("4", daemon.row("captures", "up")[3], "every frame up sent, before and after the renumbering");
        }
        List<String> rx = tshark(tshark, file);
        assertEquals(List.of("52:54:00:00:00:01\t\t60", "52:54:00:00:00:01\t\t60", "52:54:00:00:00:01\t\t60",
                "52:54:00:00:00:01\t\t114", "52:54:00:00:00:01\t\t114", "52:54:00:00:00:01\t\t114"), rx,
                "vm1's frames from before and after the new port came");
    }

    @Test
    void aCaptureIsRefusedForAnUnknownPortASecondCaptureOrNoFile() throws Exception {
        try (RunningDaemon daemon = daemon()) {
            ControlReply noPort = ControlClient.send(dir.resolve("ctl.sock"), "capture vm9 write=" + dir.resolve("x.pcap"), WAIT);
            assertEquals("no port vm9; ctl ports lists them", noPort.error());
            ControlReply noFile = ControlClient.send(dir.resolve("ctl.sock"), "capture vm1 rx", WAIT);
            assertEquals("where to? add --write FILE; usage: " + CaptureRequest.USAGE, noFile.error());
            ControlReply badCount = ControlClient.send(dir.resolve("ctl.sock"), "capture vm1 count=0 write=/tmp/x", WAIT);
            assertEquals("--count 0: use a whole number from 1 to 100000000", badCount.error());
            ctl("capture", "vm1", "--seconds", "30", "--write", dir.resolve("a.pcap").toString());
            ControlReply twice = ControlClient.send(dir.resolve("ctl.sock"), "capture vm1 write=" + dir.resolve("b.pcap"), WAIT);
            assertEquals("port vm1 is being captured already; wait for that capture to end (ctl captures)", twice.error());
            assertFalse(Files.exists(dir.resolve("b.pcap")), "the refused capture leaves no file");
            // Nor touches one that was there: a refused capture into /dev/null (as the bench does) must not delete it.
            Files.writeString(dir.resolve("keep.txt"), "the operator's");
            ControlReply again = ControlClient.send(dir.resolve("ctl.sock"), "capture vm1 write=" + dir.resolve("keep.txt"), WAIT);
            assertFalse(again.ok());
            assertEquals("the operator's", Files.readString(dir.resolve("keep.txt")), "a refused capture leaves an existing file alone");
            ControlReply noDir = ControlClient.send(dir.resolve("ctl.sock"), "capture up write=" + dir.resolve("no/c.pcap"), WAIT);
            assertTrue(noDir.error().startsWith("cannot write " + dir.resolve("no/c.pcap")), noDir.error());
        }
    }

    @Test
    void ctlSendsTheValuedOptionsAsWordsWithTheFileMadeAbsolute() {
        CtlCommandLine line = CtlCommandLine.parse(new String[] {"--socket", "/run/s.sock", "capture", "vm1", "rx", "--count",
                "5", "--seconds", "9", "--write", "vm1.pcap", "--json"});
        assertEquals("capture vm1 rx count=5 seconds=9 write=" + Path.of("vm1.pcap").toAbsolutePath() + " --json", line.request());
        assertEquals(Path.of("/run/s.sock"), line.socket());
        assertEquals("log-level capture debug", CtlCommandLine.parse(new String[] {"log-level", "capture", "debug"}).request(),
                "only the capture command's options are rewritten");
        ControlException missing = org.junit.jupiter.api.Assertions.assertThrows(ControlException.class,
                () -> CtlCommandLine.parse(new String[] {"capture", "vm1", "--write"}));
        assertEquals("--write needs a value; usage: " + CaptureRequest.USAGE, missing.getMessage());
    }

    private static void awaitDone(RunningDaemon daemon, String port) throws InterruptedException {
        awaitState(daemon, port, "done");
    }

    /** Waits until the newest capture of {@code port} is in {@code state}. */
    private static void awaitState(RunningDaemon daemon, String port, String state) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!daemon.row("captures", port)[2].equals(state)) {
            assertTrue(System.nanoTime() < deadline, "the capture of " + port + " never ended: " + daemon.ctl("captures"));
            Thread.sleep(10);
        }
    }

    private static List<String> tshark(Path tshark, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(tshark.toString(), "-r", file.toString(), "-T", "fields", "-e", "eth.src", "-e",
                "vlan.id", "-e", "frame.len").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark did not finish");
        assertEquals(0, p.exitValue(), "tshark -r " + file + ": " + out);
        return out.lines().toList();
    }
}
