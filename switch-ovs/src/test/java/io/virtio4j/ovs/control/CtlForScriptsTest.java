package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.AttachedGuest;
import io.virtio4j.ovs.testing.MiniJson;
import io.virtio4j.ovs.testing.TwoVpcs;

/**
 * Issue 19, finding 6: {@code ctl} for people and scripts. Every table answers {@code --json} with
 * the documented field names, every text line has as many tokens as its header, {@code --help}
 * works offline for ctl and each command, the offline usage lists every command a running switch
 * answers, and {@code pmd-stats --clear} starts the PMD figures from zero.
 */
class CtlForScriptsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long MAC1 = 0x5254_0000_0001L;

    @TempDir
    Path dir;

    private record Ctl(int status, String out, String err) {
    }

    private Ctl ctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CtlCommandLine.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Ctl(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Ctl ctlOn(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--socket", dir.resolve("ctl.sock").toString()));
        return ctl(all.toArray(String[]::new));
    }

    private RunningDaemon daemon(String l3) throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection(l3) + TwoVpcs.SUBNETS + """
                [route partners]
                destination = 192.168.0.0/16
                via = 10.0.1.254
                [port vm1]
                type = vhost-user-server
                path = vm1.sock
                vlan = 10
                [port up]
                type = vhost-user-server
                path = up.sock
                trunk = 10,20
                """);
        return new RunningDaemon(file, dir.resolve("ctl.sock"));
    }

    /** The command names of a running switch's {@code help} (an option's row repeats its command's name). */
    private static Set<String> liveCommands(RunningDaemon daemon) {
        Set<String> names = new TreeSet<>();
        List<String> help = daemon.ctl("help");
        // The gap after the name depends on the longest command name.
        assertTrue(help.stream().anyMatch(l -> l.startsWith("pmd-stats ") && l.substring(9).stripLeading().equals(
                "with --clear: start the figures again from zero (like pmd-stats-clear); answers the number of PMDs cleared")),
                help.toString());
        help.subList(1, help.size()).forEach(line -> names.add(line.split("\\s+")[0]));
        return names;
    }

    @SuppressWarnings("unchecked")
    private void assertJsonAndTextAgree(String command) {
        Ctl json = ctlOn(command, "--json");
        assertEquals(0, json.status(), command + ": " + json.err());
        assertEquals(1, json.out().lines().count(), command + ": one line of JSON: " + json.out());
        List<Object> rows = (List<Object>) MiniJson.parse(json.out());
        CtlCommands.Entry entry = CtlCommands.find(command);
        assertNotNull(entry, command + " is missing from the offline usage");
        for (Object row : rows) {
            List<String> keys = List.copyOf(((Map<String, Object>) row).keySet());
            boolean documented = entry.fields().stream().anyMatch(fields -> fields.contains("...")
                    ? keys.subList(0, fields.size() - 1).equals(fields.subList(0, fields.size() - 1))
                    : keys.equals(fields));
            assertTrue(documented, command + ": fields " + keys + " are not the documented " + entry.fields());
        }
        Ctl text = ctlOn(command);
        assertEquals(0, text.status(), command + ": " + text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(rows.size() + 1, lines.size(), command + ": the JSON has a row per text line: " + text.out());
        if (!command.equals("help") && !command.equals("flows")) {
            int columns = lines.get(0).trim().split("\\s+").length;
            for (String line : lines) {
                assertEquals(columns, line.trim().split("\\s+").length, command + ": awk sees every column: '" + line + "'");
            }
        }
    }

    @Test
    void everyTableOfARunningSwitchAnswersJsonWithTheDocumentedFields() throws Exception {
        try (RunningDaemon daemon = daemon("ovs-only");
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"))) {
            daemon.awaitConnected("vm1");
            vm1.send(Frames.ethernet(0xffff_ffff_ffffL, MAC1, 0, 0x0806,
                    Frames.arp(1, MAC1, Ipv4.parse("10.0.1.10"), 0, Ipv4.parse("10.0.1.1"))));
            assertNotNull(vm1.await(WAIT), "the gateway answers the ARP");

            Set<String> live = liveCommands(daemon);
            Set<String> offline = new TreeSet<>(CtlCommands.ALL.stream().map(CtlCommands.Entry::name).toList());
            assertEquals(offline, live, "the offline usage lists exactly the commands a running switch answers");
            for (String command : live) {
                CtlCommands.Entry entry = CtlCommands.find(command);
                // add-port NAME key=value..., capture PORT ... --write FILE and the like need their
                // words: LiveReconfigurationTest and CaptureTest run them.
                boolean needsWords = !entry.arguments().isEmpty() && !entry.arguments().startsWith("[");
                if (!command.equals("fdb-flush") && !needsWords) {
                    assertJsonAndTextAgree(command);
                }
            }
            assertJsonAndTextAgree("fdb-flush");

            Map<?, ?> port = (Map<?, ?>) ((List<?>) MiniJson.parse(ctlOn("ports", "--json").out())).get(1);
            assertEquals("up", port.get("port"));
            assertEquals("trunk:10,20", port.get("vlan"));
            assertEquals(1L, port.get("index"), "numbers are JSON numbers");
        }
    }

    @Test
    void theConfiguredRoutesAnswerJsonInTheirOwnShape() throws Exception {
        try (RunningDaemon daemon = daemon("none")) {
            assertJsonAndTextAgree("routes");
            assertJsonAndTextAgree("neighbours");
            Map<?, ?> route = (Map<?, ?>) ((List<?>) MiniJson.parse(ctlOn("routes", "--json").out())).get(2);
            assertEquals("192.168.0.0/16", route.get("destination"));
            assertTrue(route.containsKey("gateway_mac") && route.get("gateway_mac") == null, "an empty cell is null: " + route);
        }
    }

    @Test
    void pmdStatsClearStartsTheFiguresFromZero() throws Exception {
        try (RunningDaemon daemon = daemon("ovs-only");
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"))) {
            daemon.awaitConnected("vm1");
            vm1.send(Frames.ethernet(0xffff_ffff_ffffL, MAC1, 0, 0x88b5, new byte[46]));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (daemon.row("pmd-stats", "0")[1].equals("0")) {
                assertTrue(System.nanoTime() < deadline, "the frame is never counted: " + daemon.ctl("pmd-stats"));
                Thread.sleep(5);
            }
            Ctl clear = ctlOn("pmd-stats", "--clear");
            assertEquals(0, clear.status(), clear.err());
            assertEquals("cleared\n      1\n", clear.out());
            assertEquals("0", daemon.row("pmd-stats", "0")[1], "no frame since the clear: " + daemon.ctl("pmd-stats"));
            Map<?, ?> pmd = (Map<?, ?>) ((List<?>) MiniJson.parse(ctlOn("pmd-stats", "--json").out())).get(0);
            assertEquals(0L, pmd.get("frames"));
            vm1.send(Frames.ethernet(0xffff_ffff_ffffL, MAC1, 0, 0x88b5, new byte[46]));
            while (daemon.row("pmd-stats", "0")[1].equals("0")) {
                assertTrue(System.nanoTime() < deadline + WAIT.toNanos(), "counting resumes: " + daemon.ctl("pmd-stats"));
                Thread.sleep(5);
            }
            assertEquals("1", daemon.row("pmd-stats", "0")[1]);

            Ctl wrong = ctlOn("ports", "--clear");
            assertEquals(CtlCommandLine.EXIT_USAGE, wrong.status());
            assertTrue(wrong.err().startsWith("virtio4j ctl: unknown option --clear; usage:"), wrong.err());
            ControlReply raw = ControlClient.send(dir.resolve("ctl.sock"), "ports --clear", WAIT);
            assertFalse(raw.ok());
            assertEquals("'ports' does not take '--clear' here; its options: --json and none, each at most once", raw.error());
        }
    }

    @Test
    void helpWorksOfflineForCtlAndEveryCommand() {
        Ctl usage = ctl("--help");
        assertEquals(0, usage.status());
        assertEquals("", usage.err());
        for (CtlCommands.Entry e : CtlCommands.ALL) {
            assertTrue(usage.out().contains("\n  " + e.name() + " "), e.name() + " is in the usage: " + usage.out());
            Ctl one = ctl(e.name(), "--help");
            assertEquals(0, one.status(), one.err());
            assertTrue(one.out().startsWith("usage: ./virtio4j ctl " + e.name() + " "), one.out());
            assertTrue(one.out().contains(": " + String.join(" ", e.fields().get(0)) + "\n"), one.out());
        }
        assertTrue(ctl("pmd-stats", "--help").out().contains("  --clear    start the figures again from zero"));
        assertEquals(usage.out(), ctl().err(), "no arguments: the same usage, on stderr, exit 2");
        assertEquals(CtlCommandLine.EXIT_USAGE, ctl().status());
        Ctl unknown = ctl("bogus", "--help");
        assertEquals(CtlCommandLine.EXIT_USAGE, unknown.status());
        assertTrue(unknown.err().startsWith("virtio4j ctl: unknown command 'bogus'\nusage:"), unknown.err());
    }

    @Test
    void jsonEscapesEverythingThatCouldBreakTheLine() {
        Table t = Table.of("port", "busy_%", "busy_ns/frame", "gateway_MAC", "out VLAN")
                .row("a\"b\\c\nd\u2028", 12.5, Double.NaN, null, 7L);
        assertEquals("[{\"port\":\"a\\\"b\\\\c\\u000ad\\u2028\",\"busy_pct\":12.5,\"busy_ns_per_frame\":null,"
                + "\"gateway_mac\":null,\"out_vlan\":7}]", t.json());
        assertEquals(List.of(Map.of("port", "a\"b\\c\nd\u2028", "busy_pct", 12.5, "out_vlan", 7L).get("port")),
                List.of(((Map<?, ?>) ((List<?>) MiniJson.parse(t.json())).get(0)).get("port")));
        assertEquals("[]", Table.of("a").json());
    }
}
