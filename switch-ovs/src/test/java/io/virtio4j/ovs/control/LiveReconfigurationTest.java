package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.AttachedGuest;

/**
 * Live reconfiguration of a running daemon ({@code ctl add-port}, {@code del-port},
 * {@code set-port}, {@code reload}): unchanged ports keep their guests and lose no frame while
 * other ports come and go, changes are saved in the config file and survive a restart, and a
 * change that does not check out changes nothing and says why.
 */
class LiveReconfigurationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MAC1 = 0x0200_0000_0001L;
    private static final long MAC2 = 0x0200_0000_0002L;
    /** Frames one guest may have on the way at once: well below a ring, so a slow reader never makes the switch drop. */
    private static final int WINDOW = 64;
    private static final String HEADER = """
            # the operator's comment, which ctl must keep
            [switch]
            control = ctl.sock
            counters = switch.counters
            pmd-threads = 2
            """;
    private static final String TWO_PORTS = HEADER + """

            [port vm1]
            type = vhost-user-server
            path = vm1.sock
            vlan = 10

            [port vm2]
            type = vhost-user-server
            path = vm2.sock
            vlan = 10
            """;

    @TempDir
    Path dir;

    private Path config(String text) throws Exception {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, text);
        return file;
    }

    private RunningDaemon daemon(Path config) throws InterruptedException {
        return new RunningDaemon(config, dir.resolve("ctl.sock"));
    }

    private ControlReply send(String request) {
        return ControlClient.send(dir.resolve("ctl.sock"), request, WAIT);
    }

    private List<String> ok(String request) {
        ControlReply reply = send(request);
        assertTrue(reply.ok(), request + ": " + reply.error());
        return reply.lines();
    }

    /** A frame from {@code src} to {@code dst} carrying sequence number {@code seq}. */
    private static byte[] frame(long dst, long src, long seq) {
        byte[] payload = new byte[46];
        ByteBuffer.wrap(payload).putLong(seq);
        return Frames.ethernet(dst, src, 0, 0x88b5, payload);
    }

    private static long seq(byte[] frame) {
        return ByteBuffer.wrap(frame, 14, 8).getLong();
    }

    /** Both guests send to each other as fast as the window lets them, counting and ordering every frame. */
    private static final class Traffic {
        final AttachedGuest a;
        final AttachedGuest b;
        long sentAb;
        long sentBa;
        long receivedAb;
        long receivedBa;
        String error;

        Traffic(AttachedGuest a, AttachedGuest b) {
            this.a = a;
            this.b = b;
        }

        /** One round: send what the window allows each way, take what arrived. */
        void round() {
            if (sentAb - receivedAb < WINDOW && a.trySend(frame(MAC2, MAC1, sentAb))) {
                sentAb++;
            }
            if (sentBa - receivedBa < WINDOW && b.trySend(frame(MAC1, MAC2, sentBa))) {
                sentBa++;
            }
            for (byte[] f : b.takeAll()) {
                check("vm2", f, receivedAb++);
            }
            for (byte[] f : a.takeAll()) {
                check("vm1", f, receivedBa++);
            }
        }

        private void check(String guest, byte[] f, long expected) {
            if (error == null && seq(f) != expected) {
                error = guest + " received frame " + seq(f) + " where " + expected + " was due (lost, duplicated or reordered)";
            }
        }
    }

    @Test
    void unchangedPortsLoseNoFrameWhileOtherPortsAreAddedRemovedAndReloaded() throws Exception {
        Path file = config(TWO_PORTS);
        try (RunningDaemon daemon = daemon(file);
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"));
             AttachedGuest vm2 = AttachedGuest.connect("vm2", dir.resolve("vm2.sock"))) {
            daemon.awaitConnected("vm1", "vm2");
            Traffic traffic = new Traffic(vm1, vm2);
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    traffic.round();
                }
            }, command -> Thread.ofPlatform().name("traffic").start(command));
            try {
                awaitFrames(traffic, 1000);
                ok("add-port vm3 type=vhost-user-server path=vm3.sock vlan=10");
                awaitFrames(traffic, 1000);
                assertTrue(Files.exists(dir.resolve("vm3.sock")), "the new port listens");
                ok("set-port vm3 vlan=20");
                awaitFrames(traffic, 1000);
                // A running port moved to the other PMD thread: its guest stays, its frames wait in its rings meanwhile.
                ok("set-port vm1 pmd=1");
                awaitFrames(traffic, 1000);
                Files.writeString(file, Files.readString(file) + """

                        [port vm4]
                        type = vhost-user-server
                        path = vm4.sock
                        trunk = 10,20
                        """);
                List<String> reload = ok("reload");
                assertTrue(reload.stream().anyMatch(l -> l.contains("port vm4: added")), "the reload diff: " + reload);
                awaitFrames(traffic, 1000);
                ok("del-port vm3");
                assertFalse(Files.exists(dir.resolve("vm3.sock")), "a removed port's socket file is removed");
                ok("set-port vm1 pmd=auto");
                ok("del-port vm4");
                awaitFrames(traffic, 1000);
            } finally {
                stop.set(true);
                sender.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            // The last frames on the way arrive; then every frame sent has been received, in order.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (traffic.receivedAb < traffic.sentAb || traffic.receivedBa < traffic.sentBa) {
                assertTrue(System.nanoTime() < deadline, "frames lost: vm1->vm2 " + traffic.sentAb + " sent, "
                        + traffic.receivedAb + " received; vm2->vm1 " + traffic.sentBa + " sent, " + traffic.receivedBa
                        + " received; " + daemon.ctl("ports"));
                traffic.round();
            }
            assertEquals(null, traffic.error);
            assertEquals(traffic.sentAb, traffic.receivedAb);
            assertEquals(traffic.sentBa, traffic.receivedBa);
            assertTrue(traffic.sentAb >= 7000, "traffic ran throughout: " + traffic.sentAb);
            assertEquals("connected", daemon.row("ports", "vm1")[4], "vm1's guest stayed attached");
            // A port's tx counter is added just after its frames are published: the guest may see them first.
            while (!daemon.row("ports", "vm2")[9].equals(String.valueOf(traffic.sentAb))
                    || !daemon.row("ports", "vm1")[9].equals(String.valueOf(traffic.sentBa))) {
                assertTrue(System.nanoTime() < deadline + WAIT.toNanos(), "tx counters: " + daemon.ctl("ports"));
                Thread.sleep(5);
            }
            assertEquals(String.valueOf(traffic.sentAb), daemon.row("ports", "vm1")[7], "vm1's counters went on: rx_frames");
            assertEquals(String.valueOf(traffic.sentBa), daemon.row("ports", "vm2")[7], "vm2's rx_frames");
            assertEquals(List.of("vm1", "vm2"), daemon.ctl("ports").stream().skip(1).map(l -> l.trim().split("\\s+")[0]).toList());
            assertTrue(daemon.ctl("counters").stream().noneMatch(l -> l.contains("vm3") || l.contains("vm4")),
                    "removed ports' counters are freed: " + daemon.ctl("counters"));
            assertTrue(daemon.ctl("fdb").stream().skip(1).allMatch(l -> l.trim().startsWith("vm1 ") || l.trim().startsWith("vm2 ")),
                    "only the remaining ports in the FDB: " + daemon.ctl("fdb"));
        }
    }

    /** Waits until {@code frames} more frames went each way (the traffic thread sends them). */
    private static void awaitFrames(Traffic traffic, long frames) throws InterruptedException {
        long ab = traffic.receivedAb + frames;
        long ba = traffic.receivedBa + frames;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (traffic.receivedAb < ab || traffic.receivedBa < ba) {
            assertTrue(System.nanoTime() < deadline, "traffic stalled at " + traffic.receivedAb + "/" + traffic.receivedBa
                    + " frames received (error: " + traffic.error + ")");
            Thread.sleep(1);
        }
    }

    @Test
    void aPortAddedWithCtlIsSavedInTheFileAndThereAfterARestart() throws Exception {
        Path file = config(TWO_PORTS);
        try (RunningDaemon daemon = daemon(file)) {
            List<String> added = ok("add-port vm3 type=vhost-user-server path=vm3.sock trunk=10,20 queues=2");
            assertEquals(2, added.size(), "one change: " + added);
            assertTrue(added.get(1).contains("port vm3: added (vhost-user-server"), added.toString());
            ok("set-port vm2 vlan=30");
            assertEquals("trunk:10,20", daemon.row("ports", "vm3")[5]);
            assertEquals("30", daemon.row("ports", "vm2")[5]);
        }
        String saved = Files.readString(file);
        assertTrue(saved.startsWith("# the operator's comment, which ctl must keep\n"), saved);
        assertTrue(saved.contains("[port vm3]\ntype = vhost-user-server\npath = vm3.sock\ntrunk = 10,20\nqueues = 2\n"), saved);
        assertTrue(saved.contains("[port vm2]\ntype = vhost-user-server\npath = vm2.sock\nvlan = 30\n"), saved);
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp file left");
        try (RunningDaemon restarted = daemon(file)) {
            assertEquals("trunk:10,20", restarted.row("ports", "vm3")[5], "the port is there after a restart");
            assertEquals("30", restarted.row("ports", "vm2")[5]);
            // From trunk back to access: the trunk key goes, the vlan key comes.
            ok("set-port vm3 vlan=10");
            ok("del-port vm2");
        }
        String again = Files.readString(file);
        assertTrue(again.contains("[port vm3]\ntype = vhost-user-server\npath = vm3.sock\nqueues = 2\nvlan = 10\n"), again);
        assertFalse(again.contains("vm2"), again);
    }

    @Test
    void aChangeThatDoesNotCheckOutChangesNothingAndSaysWhy() throws Exception {
        Path file = config(TWO_PORTS);
        try (RunningDaemon daemon = daemon(file)) {
            List<String> before = daemon.ctl("ports");
            String text = Files.readString(file);

            ControlReply badVlan = send("add-port vm3 type=vhost-user-server path=vm3.sock vlan=5000");
            assertFalse(badVlan.ok());
            String fileError = fileError("vlan = 5000");
            assertTrue(badVlan.error().contains("add-port vm3 vlan=5000: " + fileError), badVlan.error() + " vs " + fileError);
            assertFalse(Files.exists(dir.resolve("vm3.sock")));

            ControlReply unknownKey = send("add-port vm3 type=vhost-user-server path=vm3.sock vlan=10 colour=red");
            assertTrue(unknownKey.error().contains("add-port vm3 colour=red: unknown key 'colour' in [port vm3]"),
                    unknownKey.error());

            ControlReply queues = send("set-port vm1 queues=2");
            assertTrue(queues.error().contains("queues cannot change while the port runs"), queues.error());
            assertTrue(queues.error().contains("del-port vm1"), "says what to do: " + queues.error());

            ControlReply twice = send("add-port vm1 type=vhost-user-server path=vm9.sock vlan=10");
            assertTrue(twice.error().contains("[port vm1] already exists (" + file + ":7)"), twice.error());
            ControlReply missing = send("del-port vm9");
            assertTrue(missing.error().contains("there is no [port vm9]"), missing.error());

            assertEquals(text, Files.readString(file), "a refused ctl change leaves the file alone");

            Files.writeString(file, text.replace("path = vm2.sock\nvlan = 10", "path = vm2.sock\nvlan = ten"));
            ControlReply reload = send("reload");
            assertFalse(reload.ok());
            assertTrue(reload.error().contains("reload: refused, nothing changed: " + file + ":15: "), reload.error());

            Files.writeString(file, text.replace("pmd-threads = 2", "pmd-threads = 3"));
            ControlReply pmds = send("reload");
            assertTrue(pmds.error().contains(file + ":5: pmd-threads changed from 2 to 3, which the running switch cannot"
                    + " change; restart the switch"), pmds.error());
            assertEquals(before.size(), daemon.ctl("ports").size());
            assertEquals(before.stream().map(l -> l.trim().split("\\s+")[0]).toList(),
                    daemon.ctl("ports").stream().map(l -> l.trim().split("\\s+")[0]).toList(), "nothing changed");

            Files.writeString(file, text);
            assertEquals(List.of("change"), daemon.ctl("reload").stream().map(String::trim).toList(), "no change, no rows");
        }
    }

    /** What the reader says about {@code line} in a [port vm3] section of a file, without FILE:LINE. */
    private String fileError(String line) {
        String text = TWO_PORTS + "\n[port vm3]\ntype = vhost-user-server\npath = vm3.sock\n" + line + "\n";
        try {
            io.virtio4j.ovs.config.SwitchConfigReader.parse("f", text, dir);
        } catch (io.virtio4j.ovs.config.ConfigException e) {
            return e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
        }
        throw new AssertionError("the reader took " + line);
    }

    @Test
    void ctlChangesAreRefusedWhenTheFileCannotBeWritten() throws Exception {
        Path file = config(TWO_PORTS);
        try (RunningDaemon daemon = daemon(file)) {
            // A directory where the temp file goes: the new text cannot be written beside the file
            // (even for root, whom read-only permissions do not stop), so the change would not survive a restart.
            Path blocker = dir.resolve(".switch.conf.tmp-" + ProcessHandle.current().pid());
            Files.createDirectories(blocker.resolve("busy"));
            ControlReply reply = send("set-port vm1 vlan=20");
            assertFalse(reply.ok());
            assertTrue(reply.error().contains("set-port vm1: refused, nothing changed: cannot write " + file), reply.error());
            assertEquals("10", daemon.row("ports", "vm1")[5], "not applied either");
            assertEquals(TWO_PORTS, Files.readString(file));
            Files.delete(blocker.resolve("busy"));
            Files.delete(blocker);
            ok("set-port vm1 vlan=20");
            assertEquals("20", daemon.row("ports", "vm1")[5]);
        }
    }

    @Test
    void subnetsRoutesAndNeighboursChangeLiveWithOvsOnly() throws Exception {
        Path file = config("""
                [switch]
                l3 = ovs-only
                control = ctl.sock
                counters = switch.counters

                [subnet office]
                prefix = 10.0.1.0/24
                vlan = 10
                gateway = 10.0.1.1
                gateway-mac = 02:00:00:00:01:01

                [port vm1]
                type = vhost-user-server
                path = vm1.sock
                vlan = 10
                """);
        try (RunningDaemon daemon = daemon(file);
             AttachedGuest vm1 = AttachedGuest.connect("vm1", dir.resolve("vm1.sock"))) {
            daemon.awaitConnected("vm1");
            ok("add-subnet lab prefix=10.0.9.0/24 vlan=20 gateway=10.0.9.1 gateway-mac=02:00:00:00:09:01");
            ok("add-route r9 destination=192.168.9.0/24 via=10.0.1.254");
            ok("add-neighbour n1 ip=10.0.1.50 mac=02:00:00:00:00:50 vlan=10");
            List<String> routes = daemon.ctl("routes");
            assertTrue(routes.stream().anyMatch(l -> l.contains("10.0.9.0/24")), routes.toString());
            assertTrue(routes.stream().anyMatch(l -> l.contains("192.168.9.0/24") && l.contains("10.0.1.254")), routes.toString());
            assertTrue(daemon.ctl("neighbours").stream().anyMatch(l -> l.contains("10.0.1.50") && l.contains("static")),
                    daemon.ctl("neighbours").toString());

            // The rebuilt flow program answers the port that stayed: ARP for the gateway.
            vm1.send(Frames.ethernet(0xffff_ffff_ffffL, MAC1, 0, 0x0806,
                    Frames.arp(1, MAC1, io.virtio4j.ovs.model.Ipv4.parse("10.0.1.10"), 0,
                            io.virtio4j.ovs.model.Ipv4.parse("10.0.1.1"))));
            byte[] reply = vm1.await(WAIT);
            assertEquals(0x0806, ((reply[12] & 0xff) << 8) | (reply[13] & 0xff), "an ARP reply");

            ok("del-route r9");
            assertTrue(daemon.ctl("routes").stream().noneMatch(l -> l.contains("192.168.9.0/24")), daemon.ctl("routes").toString());
            ControlReply broken = send("set-subnet lab gateway=10.0.8.1");
            assertFalse(broken.ok());
            assertTrue(broken.error().contains("set-subnet lab gateway=10.0.8.1: "), broken.error());
        }
        String saved = Files.readString(file);
        assertTrue(saved.contains("[subnet lab]\nprefix = 10.0.9.0/24\n") && saved.contains("[neighbour n1]") && !saved.contains("r9"),
                saved);
    }

    @Test
    void withL3NoneTheRoutesAndNeighboursTablesShowTheReloadedConfig() throws Exception {
        String subnet = """

                [subnet office]
                prefix = 10.0.1.0/24
                vlan = 10
                gateway = 10.0.1.1
                gateway-mac = 02:00:00:00:01:01
                """;
        String route = """

                [route partners]
                destination = 192.168.0.0/16
                via = 10.0.1.254
                """;
        String neighbour = """

                [neighbour router]
                ip = 10.0.1.254
                mac = 02:00:00:00:01:fe
                vlan = 10
                """;
        Path file = config(TWO_PORTS.replace("pmd-threads = 2", "l3 = none") + subnet + route + neighbour);
        try (RunningDaemon daemon = daemon(file)) {
            assertTrue(String.join("\n", daemon.ctl("routes")).contains("192.168.0.0/16"), daemon.ctl("routes").toString());
            assertTrue(String.join("\n", daemon.ctl("neighbours")).contains("10.0.1.254"), daemon.ctl("neighbours").toString());

            // The route and the neighbour go, another subnet comes: the tables follow the reload.
            Files.writeString(file, TWO_PORTS.replace("pmd-threads = 2", "l3 = none") + subnet + """

                    [subnet lab]
                    prefix = 10.0.9.0/24
                    vlan = 20
                    gateway = 10.0.9.1
                    gateway-mac = 02:00:00:00:09:01
                    """);
            List<String> reload = ok("reload");
            assertTrue(reload.stream().anyMatch(l -> l.contains("subnet lab: added")), reload.toString());
            List<String> routes = daemon.ctl("routes");
            assertTrue(routes.stream().noneMatch(l -> l.contains("192.168.0.0/16")), "a removed route is gone: " + routes);
            assertTrue(routes.stream().anyMatch(l -> l.contains("10.0.9.0/24") && l.contains("connected")), routes.toString());
            assertEquals(List.of("VLAN", "IP", "MAC", "source"), List.of(daemon.ctl("neighbours").get(0).trim().split("\\s+")));
            assertEquals(1, daemon.ctl("neighbours").size(), "a removed neighbour is gone: " + daemon.ctl("neighbours"));
            String json = String.join("", daemon.ctl("routes --json"));
            assertTrue(json.contains("10.0.9.0/24") && !json.contains("192.168.0.0/16"), json);
            assertEquals("[]", String.join("", daemon.ctl("neighbours --json")).trim());

            // A ctl change shows at once too.
            ok("add-route partners destination=192.168.0.0/16 via=10.0.1.254");
            assertTrue(daemon.ctl("routes").stream().anyMatch(l -> l.contains("192.168.0.0/16")), daemon.ctl("routes").toString());
        }
    }

    @Test
    void delPortLeavesASocketFileAnotherProcessBoundSince() throws Exception {
        Path file = config(TWO_PORTS);
        try (RunningDaemon daemon = daemon(file)) {
            ok("add-port vm3 type=vhost-user-server path=vm3.sock vlan=10");
            Path socket = dir.resolve("vm3.sock");
            // Someone removed our socket file and bound the path (another switch, a QEMU in server mode).
            Files.delete(socket);
            try (java.nio.channels.ServerSocketChannel other = java.nio.channels.ServerSocketChannel.open(
                    java.net.StandardProtocolFamily.UNIX)) {
                other.bind(java.net.UnixDomainSocketAddress.of(socket));
                ok("del-port vm3");
                assertTrue(Files.exists(socket), "del-port removed a socket file that was not the port's");
                assertTrue(daemon.ctl("ports").stream().noneMatch(l -> l.trim().startsWith("vm3 ")));
            }
            Files.delete(socket);
            ok("add-port vm3 type=vhost-user-server path=vm3.sock vlan=10");
            ok("del-port vm3");
            assertFalse(Files.exists(socket), "its own socket file is removed");
        }
    }
}
