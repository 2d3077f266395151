package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, finding 5: every resource a config names is checked before the daemon creates
 * anything, and a problem is reported as {@code FILE:LINE: problem; fix}. "Nothing created" is
 * seen on a counters file left from an earlier run: creating the new one would replace it.
 */
class SwitchPreflightTest {
    private static final String SWITCH = "[switch]\ncontrol = ctl.sock\ncounters = switch.counters\n";

    @TempDir
    Path dir;

    private record Outcome(int status, String err) {
    }

    private Outcome run(String config) throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, config);
        Files.writeString(dir.resolve("switch.counters"), "left by an earlier run");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // The stop latch is open: a switch that does start stops again at once.
        int status = SwitchDaemon.run(new String[] {"--config", file.toString()}, new PrintStream(err, true, StandardCharsets.UTF_8),
                SwitchDataPath::start, new CountDownLatch(0));
        return new Outcome(status, err.toString(StandardCharsets.UTF_8));
    }

    private void assertNothingCreated() throws Exception {
        assertFalse(Files.exists(dir.resolve("ctl.sock")), "no control socket");
        assertEquals("left by an earlier run", Files.readString(dir.resolve("switch.counters")), "the counters file untouched");
    }

    @Test
    void aPortSocketInAMissingDirectoryNamesTheLineAndTheFix() throws Exception {
        Outcome o = run(SWITCH + "[port vm1]\ntype = vhost-user-server\npath = vms/vm1.sock\nvlan = 10\n");
        assertEquals(SwitchDaemon.EXIT_FAILED, o.status(), o.err());
        Path vms = dir.resolve("vms");
        assertEquals("virtio4j switch: " + dir.resolve("switch.conf") + ":6: [port vm1] path " + vms.resolve("vm1.sock")
                + ": the directory " + vms + " does not exist; create it (mkdir -p " + vms
                + ") or choose a path in an existing directory\n", o.err());
        assertNothingCreated();
    }

    @Test
    void aPortPathThatIsNotASocketIsNeverReplaced() throws Exception {
        Files.writeString(dir.resolve("vm1.sock"), "a file someone keeps here");
        Outcome o = run(SWITCH + "[port vm1]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n");
        assertEquals(SwitchDaemon.EXIT_FAILED, o.status(), o.err());
        assertEquals("virtio4j switch: " + dir.resolve("switch.conf") + ":6: the [port vm1] socket path " + dir.resolve("vm1.sock")
                + " exists and is not a socket; remove that file or choose another path\n", o.err());
        assertEquals("a file someone keeps here", Files.readString(dir.resolve("vm1.sock")));
        assertNothingCreated();
    }

    @Test
    void aPortPathTooLongForASocketNamesTheLine() throws Exception {
        String longName = "v".repeat(110) + ".sock";
        Outcome o = run(SWITCH + "[port vm1]\ntype = vhost-user-server\npath = " + longName + "\nvlan = 10\n");
        assertEquals(SwitchDaemon.EXIT_FAILED, o.status(), o.err());
        String prefix = "virtio4j switch: " + dir.resolve("switch.conf") + ":6: path = " + dir.resolve(longName) + " is ";
        assertEquals(prefix, o.err().substring(0, Math.min(o.err().length(), prefix.length())), o.err());
        assertNothingCreated();
    }

    @Test
    void aPmdCpuThisMachineLacksNamesTheLine() throws Exception {
        Outcome o = run("[switch]\ncontrol = ctl.sock\ncounters = switch.counters\npmd-cpus = 4095\n");
        assertEquals(SwitchDaemon.EXIT_FAILED, o.status(), o.err());
        String prefix = "virtio4j switch: " + dir.resolve("switch.conf") + ":4: pmd-cpus: CPU 4095 does not exist or is not"
                + " available to this process (allowed: ";
        assertEquals(prefix, o.err().substring(0, Math.min(o.err().length(), prefix.length())), o.err());
        assertNothingCreated();
    }

    @Test
    void aTapNameTakenByAnotherKindOfInterfaceNamesTheLine() throws Exception {
        Outcome o = run(SWITCH + "[port up]\ntype = tap\nifname = lo\nvlan = 10\n");
        assertEquals(SwitchDaemon.EXIT_FAILED, o.status(), o.err());
        assertEquals("virtio4j switch: " + dir.resolve("switch.conf") + ":6: [port up] ifname lo is an existing interface"
                + " that is not a TAP device; choose another ifname (ip link shows the names in use)\n", o.err());
        assertNothingCreated();
    }

    @Test
    void aCountersFileUnderAFileNamesTheLine() throws Exception {
        Files.writeString(dir.resolve("plain"), "x");
        Outcome o = run("[switch]\ncontrol = ctl.sock\ncounters = plain/switch.counters\n");
        assertEquals(SwitchDaemon.EXIT_FAILED, o.status(), o.err());
        assertEquals("virtio4j switch: " + dir.resolve("switch.conf") + ":3: counters = " + dir.resolve("plain/switch.counters")
                + ": " + dir.resolve("plain") + " is not a directory; choose a path in a directory\n", o.err());
        assertFalse(Files.exists(dir.resolve("ctl.sock")), "no control socket");
    }

    @Test
    void cpuListsParseAsTheKernelWritesThem() {
        assertEquals(List.of(0, 1, 2, 3, 8), SwitchPreflight.parseCpuList("0-3,8"));
        assertEquals(List.of(5), SwitchPreflight.parseCpuList("5"));
    }
}
