package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.gateway.GatewayNamespace;
import io.virtio4j.ovs.gateway.GatewayPort;
import io.virtio4j.ovs.metrics.CounterValue;
import io.virtio4j.ovs.metrics.CountersFileReader;
import io.virtio4j.ovs.testing.ChildJvm;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's start and stop around a data path supplied by the test (the real one: SwitchDaemonEndToEndTest). */
class SwitchDaemonTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A thread per task: the common pool may have one thread on a small machine, and the start blocks it. */
    private static final Executor OWN_THREAD = task -> Thread.ofPlatform().daemon().start(task);

    @TempDir
    Path dir;

    private Path config(String l3) throws IOException {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection(l3) + """
                [route partners]
                destination = 192.168.0.0/16
                via = 10.0.1.254
                """ + TwoVpcs.SECTIONS);
        return file;
    }

    /** A data path stand-in: registers a live command and a counter the way the switch will, and records its close. */
    private static final class RecordingSwitch implements SwitchStarter {
        final AtomicReference<SwitchResources> resources = new AtomicReference<>();
        final AtomicBoolean stopped = new AtomicBoolean();

        @Override
        public AutoCloseable start(SwitchResources r) {
            resources.set(r);
            r.counters().newCounter("port:vm1:rx_frames").set(5);
            r.counters().newCounter("drop:no_route").set(2);
            r.commands().register("fdb", "learned MACs", () -> Table.of("port", "VLAN", "MAC", "Age").row(0, 10, "02:aa:00:00:00:01", 1));
            return () -> stopped.set(true);
        }
    }

    @Test
    void bringsUpControlCountersAndTheDataPathAndTakesThemDown() throws Exception {
        SwitchConfig config = SwitchConfigReader.read(config("ovs-only"));
        RecordingSwitch data = new RecordingSwitch();
        Path socket = dir.resolve("ctl.sock");
        Path countersFile = dir.resolve("switch.counters");
        try (SwitchDaemon daemon = SwitchDaemon.start(config, data)) {
            assertTrue(data.resources.get().gatewayPorts().isEmpty(), "no gateway namespace with ovs-only");
            assertEquals(List.of(
                    "destination     via         VLAN  gateway   gateway_MAC        l3",
                    "10.0.1.0/24     connected   10    10.0.1.1  02:00:00:00:01:01  ovs-only",
                    "10.0.2.0/24     connected   20    10.0.2.1  02:00:00:00:02:01  ovs-only",
                    "192.168.0.0/16  10.0.1.254  all   -         -                  ovs-only"),
                    ControlClient.send(socket, "routes", TIMEOUT).lines());
            assertEquals(List.of("port  VLAN  MAC                Age", "   0    10  02:aa:00:00:00:01    1"),
                    ControlClient.send(socket, "fdb", TIMEOUT).lines());
            assertEquals(List.of("group     counter    value", "port:vm1  rx_frames      5", "drop      no_route       2"),
                    ControlClient.send(socket, "counters", TIMEOUT).lines());
            // The rates follow the counters; set once at start, before any sample a second later, they are 0.
            assertEquals(List.of("port  rx_frames  rx_pps  tx_pps  rx_bps  tx_bps", "vm1           5       0       0       0       0"),
                    ControlClient.send(socket, "port-stats", TIMEOUT).lines());
            // Another process's view of the same counters: the file.
            assertEquals(List.of(new CounterValue(0, "port:vm1:rx_frames", 5), new CounterValue(1, "drop:no_route", 2)),
                    CountersFileReader.open(countersFile).snapshot());

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, CtlCommandLine.run(new String[] {"neighbours", "--socket", socket.toString()}, new PrintStream(out), System.err));
            assertEquals("VLAN  IP  MAC  source\n", out.toString());
            assertFalse(data.stopped.get());
        }
        assertTrue(data.stopped.get(), "close stops the data path");
        assertFalse(Files.exists(socket), "close removes the control socket");
        assertFalse(Files.exists(countersFile), "close removes the counters file");
    }

    @Test
    void ctlInAnotherProcessExitsWithItsDocumentedStatus() throws Exception {
        SwitchConfig config = SwitchConfigReader.read(config("none"));
        try (SwitchDaemon daemon = SwitchDaemon.start(config, new RecordingSwitch())) {
            ChildJvm.Result routes = ChildJvm.run(CtlCommandLine.class, "routes", "--socket", config.controlSocket().toString());
            assertEquals(0, routes.exitStatus(), routes.output());
            assertTrue(routes.output().startsWith("destination     via         VLAN  gateway   gateway_MAC        l3\n"), routes.output());
            ChildJvm.Result unknown = ChildJvm.run(CtlCommandLine.class, "flows", "--socket", config.controlSocket().toString());
            assertEquals(1, unknown.exitStatus(), unknown.output());
            assertTrue(unknown.output().contains("unknown command 'flows'"), unknown.output());
        }
        ChildJvm.Result stopped = ChildJvm.run(CtlCommandLine.class, "routes", "--socket", config.controlSocket().toString());
        assertEquals(3, stopped.exitStatus(), stopped.output());
        assertTrue(stopped.output().contains("the switch is not running: no control socket at " + config.controlSocket()), stopped.output());
    }

    @Test
    void runServesUntilToldToStop() throws Exception {
        Path file = config("none");
        RecordingSwitch data = new RecordingSwitch();
        CountDownLatch stop = new CountDownLatch(1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(
                () -> SwitchDaemon.run(new String[] {"--config", file.toString()}, new PrintStream(err), data, stop));
        Path socket = dir.resolve("ctl.sock");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (data.resources.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(ControlClient.send(socket, "help", TIMEOUT).ok(), err.toString());
        stop.countDown();
        assertEquals(0, status.get(10, TimeUnit.SECONDS), err.toString());
        assertTrue(data.stopped.get());
        assertFalse(Files.exists(socket));
    }

    /**
     * A script that runs {@code ctl openflow} the moment the control socket exists must get its
     * answer, not "unknown command": the socket file appears first (binding it is the daemon's
     * lock against a second switch), so the daemon must not answer before every command is in.
     * The data path here holds the start until the request is on its way.
     */
    @Test
    void aRequestMadeAsSoonAsTheSocketExistsWaitsForEveryCommand() throws Exception {
        SwitchConfig config = SwitchConfigReader.read(config("none"));
        Path socket = config.controlSocket();
        CountDownLatch release = new CountDownLatch(1);
        SwitchStarter slow = r -> {
            release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return () -> { };
        };
        CompletableFuture<SwitchDaemon> daemon = CompletableFuture.supplyAsync(() -> {
            try {
                return SwitchDaemon.start(config, slow);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, OWN_THREAD);
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.exists(socket)) {
                assertTrue(System.nanoTime() < deadline, "the control socket never appeared");
                Thread.sleep(1);
            }
            CompletableFuture<ControlReply> openflow = CompletableFuture.supplyAsync(() -> ControlClient.send(socket, "openflow", TIMEOUT), OWN_THREAD);
            CompletableFuture<ControlReply> help = CompletableFuture.supplyAsync(() -> ControlClient.send(socket, "help", TIMEOUT), OWN_THREAD);
            // Before the fix the "unknown command" answer came at once; give it time to come.
            CompletableFuture.allOf(openflow, help).completeOnTimeout(null, 300, TimeUnit.MILLISECONDS).join();
            release.countDown();
            ControlReply reply = openflow.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(reply.ok(), "ctl openflow during start: " + reply.error());
            assertTrue(help.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).lines().stream().anyMatch(l -> l.startsWith("reload ")),
                    "help during start lists the last command registered");
        } finally {
            release.countDown();
            daemon.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aBadConfigExitsTwoNamingTheLine() throws IOException {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "[switch]\nl3 = ovs-only\n[port vm1]\ntype = in-process\nvlna = 10\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, SwitchDaemon.run(new String[] {"--config", file.toString()}, new PrintStream(err), new RecordingSwitch(),
                new CountDownLatch(1)));
        assertTrue(err.toString().startsWith("virtio4j switch: " + file + ":5: unknown key 'vlna' in [port vm1]"), err.toString());
    }

    @Test
    void aFailingDataPathUndoesEverythingBeforeIt() throws Exception {
        SwitchConfig config = SwitchConfigReader.read(config("none"));
        IllegalStateException boom = assertThrows(IllegalStateException.class, () -> SwitchDaemon.start(config, r -> {
            throw new IllegalStateException("no hugepages");
        }));
        assertEquals("no hugepages", boom.getMessage());
        assertFalse(Files.exists(config.controlSocket()));
        assertFalse(Files.exists(config.countersFile()));
    }

    @Test
    void aSecondDaemonOnTheSameSocketIsRefused() throws Exception {
        SwitchConfig config = SwitchConfigReader.read(config("none"));
        try (SwitchDaemon first = SwitchDaemon.start(config, new RecordingSwitch())) {
            ConfigException e = assertThrows(ConfigException.class, () -> SwitchDaemon.start(config, new RecordingSwitch()));
            assertTrue(e.getMessage().contains("another process is already listening on the control socket"), e.getMessage());
            assertTrue(ControlClient.send(config.controlSocket(), "routes", TIMEOUT).ok(), "the first one is untouched");
            assertTrue(Files.exists(config.countersFile()));
        }
    }

    @NeedsKernel
    @Test
    void ipforwardHandsTheGatewayNicsToTheDataPath() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the TUN/TAP device");
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
        SwitchConfig config = SwitchConfigReader.read(config("ipforward"));
        String namespace = SwitchDaemon.gatewayNamespaceName(config);
        RecordingSwitch data = new RecordingSwitch();
        try (SwitchDaemon daemon = SwitchDaemon.start(config, data)) {
            List<GatewayPort> ports = data.resources.get().gatewayPorts();
            assertEquals(List.of("gw0-office", "gw1-lab"), ports.stream().map(GatewayPort::ifname).toList());
            assertEquals(List.of(10, 20), ports.stream().map(p -> p.subnet().vlan()).toList());
            assertTrue(GatewayNamespace.exists(namespace));
        }
        assertFalse(GatewayNamespace.exists(namespace), "stopping the switch deletes its gateway namespace");
    }

    @Test
    void optionsNeedExactlyOneExistingConfig() throws IOException {
        Path file = config("none");
        assertEquals(file, SwitchDaemonOptions.parse(new String[] {"--config", file.toString()}).config());
        assertEquals(file, SwitchDaemonOptions.parse(new String[] {"--config=" + file}).config());
        for (String[] bad : List.of(new String[0], new String[] {"--config"}, new String[] {"--conf", "x"},
                new String[] {"--config", file.toString(), "--config", file.toString()},
                new String[] {"--config", dir.resolve("missing.conf").toString()}, new String[] {file.toString()})) {
            ControlException e = assertThrows(ControlException.class, () -> SwitchDaemonOptions.parse(bad), String.join(" ", bad));
            assertTrue(e.getMessage().endsWith(SwitchDaemonOptions.USAGE), e.getMessage());
        }
    }
}
