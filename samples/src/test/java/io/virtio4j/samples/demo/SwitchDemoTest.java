package io.virtio4j.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.gateway.GatewayNamespace;
import io.virtio4j.samples.testing.CapturedOutput;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

/** {@code ./virtio4j demo --seconds 2} as a test: its checks pass and its output says what they saw. */
class SwitchDemoTest {
    @Test
    void theDemoPingsWithinAndAcrossSubnetsKeepsVlansApartAndMovesEveryFrameInOrder() throws Exception {
        CapturedOutput.warmUpJdkFds();
        long fdsBefore = CapturedOutput.openFds();
        String out = CapturedOutput.of(() -> assertEquals(0, SwitchDemo.run(new String[] {"--seconds", "2"})));
        assertTrue(out.contains("demo OK: every check passed"), out);
        // Every step names its concept.
        for (String concept : new String[] {"[virtio rings and vhost-user hand-over]", "[MAC learning per VLAN]",
                "[L3 routing in the switch (l3 = ovs-only)]", "[VLAN isolation]"}) {
            assertTrue(out.contains(concept), concept);
        }
        assertFalse(out.contains("seed"), "no heading names a seed section nothing explains: " + out);
        // Issue 19, item 8: every line fits 100 columns, and output that is not a terminal has no carriage returns.
        for (String line : out.split("\n", -1)) {
            assertTrue(line.length() <= SwitchDemo.WIDTH, line.length() + " columns: " + line);
        }
        assertFalse(out.contains("\r"), "not a terminal: progress lines end in newlines, never redrawn with \\r");
        // One progress line per second of the 2 s run.
        assertEquals(2, count(out, "(?m)^ +\\d+\\.\\d s +[\\d.]+ Mpps +[\\d.]+ Gbit/s +[\\d,]+ frames, 0 sequence errors$"), out);
        // ARP answered by the neighbour and by the switch's gateway responder.
        assertTrue(out.contains("vm1: who-has 10.0.1.12 -> 02:00:00:00:10:12 (vm2); who-has 10.0.1.1 -> 02:00:00:00:01:01 (gateway)"), out);
        assertTrue(out.contains("the gateways' ARP replies came from the switch's ARP responder"), out);
        // Within a subnet: TTL 64 and the sender's MAC; across: TTL 63 and the egress gateway's MAC.
        assertEquals(3, count(out, "ping vm1 -> vm2 \\(10\\.0\\.1\\.12\\) seq \\d: [\\d.]+ ms; at vm2: TTL 64, src MAC 02:00:00:00:10:11"));
        assertEquals(3, count(out, "ping vm1 -> vm3 \\(10\\.0\\.2\\.21\\) seq \\d: [\\d.]+ ms; at vm3: TTL 63, src MAC 02:00:00:00:02:01"));
        assertEquals(3, count(out, "ping vm4 -> vm2 \\(10\\.0\\.1\\.12\\) seq \\d: [\\d.]+ ms; at vm2: TTL 63, src MAC 02:00:00:00:01:01"));
        assertTrue(out.contains("vm2 (VLAN 10) received 100 of the 100 broadcasts; vm3, vm4 (VLAN 20) saw 0 frames from VLAN 10"), out);
        assertTrue(out.contains("frames leaked across VLANs since the start (seen by a guest of the other VLAN): 0"), out);
        Matcher m = Pattern.compile("throughput: ([\\d,]+) frames in [\\d.]+ s: ([\\d.]+) Mpps, [\\d.]+ Gbit/s \\(whole run,"
                + " with warm-up\\)\n  steady after 1\\.0 s of warm-up: ([\\d.]+) Mpps, [\\d.]+ Gbit/s; sequence errors 0,"
                + " lost 0, foreign 0\n").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1).replace(",", "")) > 1000, "frames moved: " + m.group(1));
        assertTrue(Double.parseDouble(m.group(3)) > 0, "a steady rate: " + m.group(3));
        assertTrue(out.contains("Mpps") && out.contains("Gbit/s"), "a progress line");
        // The tables: four learned guests plus two gateway routes, four ports with counters.
        assertTrue(out.matches("(?s).*FDB:\\n  port +VLAN +MAC +Age\\n.*"), out);
        for (String host : new String[] {"vm1", "vm2", "vm3", "vm4"}) {
            assertTrue(Pattern.compile("(?m)^  " + host + " +\\d+ +02:00:00:00:[12]0:\\d\\d +\\d+$").matcher(out).find(), host + " in the FDB");
            assertTrue(Pattern.compile("(?m)^  " + host + " +[1-9]\\d* ").matcher(out).find(), host + " in the port counters");
        }
        assertTrue(out.contains("10.0.2.0/24"), "routes table");
        assertTrue(out.contains("port counters:\n  port  rx_frames"), out);
        CapturedOutput.awaitFds(fdsBefore);
    }

    @NeedsKernel
    @Test
    void withIpforwardTheGatewayNamespacesKernelRoutesAndTheNamespaceIsGoneAfterwards() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
        CapturedOutput.warmUpJdkFds();
        long fdsBefore = CapturedOutput.openFds();
        String out = CapturedOutput.of(() -> assertEquals(0, SwitchDemo.run(new String[] {"--seconds", "1", "--l3", "ipforward"})));
        assertTrue(out.contains("demo OK: every check passed"), out);
        assertTrue(out.contains("[L3 routing by the kernel (l3 = ipforward)]"), out);
        assertTrue(out.contains("who-has 10.0.2.1 -> 02:00:00:00:02:01 (gateway)"), out);
        assertTrue(out.contains("the gateways' ARP replies came from the gateway namespace's kernel"), out);
        assertEquals(3, count(out, "ping vm1 -> vm3 \\(10\\.0\\.2\\.21\\) seq \\d: [\\d.]+ ms; at vm3: TTL 63, src MAC 02:00:00:00:02:01"));
        assertTrue(Pattern.compile("(?m)^  gw-office +\\d+ +\\d+ +[1-9]\\d* ").matcher(out).find(), "the gateway NIC's port carried frames");
        assertTrue(out.contains("10.0.2.0/24 dev gw1-lab"), "the kernel's routes");
        assertFalse(GatewayNamespace.exists("v4j-demo-" + ProcessHandle.current().pid()), "the namespace was deleted");
        CapturedOutput.awaitFds(fdsBefore);
    }

    @NeedsKernel
    @Test
    void withoutCapNetAdminIpforwardSaysItNeedsRootAndLeavesNothingBehind() throws Exception {
        // Root without CAP_NET_ADMIN in its bounding set is what an unprivileged user looks like to the gateway.
        Prerequisites.requireRoot();
        Prerequisites.requireExecutable("setpriv", "apt-get install util-linux");
        Path classpathFile = Path.of("target", "guest-classpath.txt");
        assertTrue(Files.exists(classpathFile), classpathFile + " missing: Maven writes it (dependency:build-classpath)");
        String classpath = Path.of("target", "classes").toAbsolutePath() + ":" + Files.readString(classpathFile).strip();
        Process p = new ProcessBuilder("setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", classpath, "io.virtio4j.samples.Main",
                "demo", "--seconds", "1", "--l3", "ipforward").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("virtio4j demo: --l3 ipforward could not set up its gateway namespace: l3 = ipforward needs CAP_NET_ADMIN"), out);
        assertTrue(out.contains("run the switch as root"), out);
        assertFalse(out.contains("step 1"), "nothing ran: " + out);
    }

    @Test
    void badOptionsAreRefusedWithTheUsage() throws Exception {
        assertEquals(2, SwitchDemo.run(new String[] {"--seconds", "0"}));
        assertEquals(2, SwitchDemo.run(new String[] {"--l3", "none"}));
        assertEquals(2, SwitchDemo.run(new String[] {"--frame-size", "10"}));
        assertEquals(2, SwitchDemo.run(new String[] {"--bogus"}));
    }

    @Test
    void aLongStepIsWrappedAtSpacesUnderItsText() {
        String text = "[a concept] " + "word ".repeat(40).strip();
        java.util.List<String> lines = SwitchDemo.wrap("step 1  ", "        ", text);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.getFirst().startsWith("step 1  [a concept] word"));
        assertTrue(lines.get(1).startsWith("        word"));
        lines.forEach(l -> assertTrue(l.length() <= SwitchDemo.WIDTH, l));
        assertEquals(text, String.join(" ", lines.stream().map(String::strip).toList()).replace("step 1 ", "").strip());
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
