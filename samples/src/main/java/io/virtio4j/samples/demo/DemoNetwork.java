package io.virtio4j.samples.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.agrona.concurrent.status.CountersManager;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.gateway.GatewayNamespace;
import io.virtio4j.ovs.gateway.GatewayPort;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.samples.guest.Guest;
import io.virtio4j.samples.guest.PortWait;
import io.virtio4j.samples.guest.VhostUserNicDriver;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * The demo running: the switch (and with {@code ipforward} its gateway namespace) and the four
 * guests of {@link DemoTopology}, each a {@link GuestNic} attached over its port's real Unix
 * socket. {@link #close()} detaches the guests, stops the switch, deletes the namespace and the
 * socket directory, in that order.
 */
public final class DemoNetwork implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final int COUNTERS = 1024;

    private final Deque<AutoCloseable> closeOrder = new ArrayDeque<>();
    private final Path socketDir;
    private final CountersManager counters = VirtualSwitch.inMemoryCounters(COUNTERS);
    private final List<Guest> guests = new ArrayList<>();
    private final List<GuestNic> nics = new ArrayList<>();
    private final VirtualSwitch sw;
    private final OvsPipeline pipeline;
    private final GatewayNamespace gateway;

    /**
     * Starts everything; on a failure whatever was started is closed again.
     *
     * @param gatewayNamespace the namespace name used with {@code ipforward}
     */
    public DemoNetwork(L3Mode l3, String gatewayNamespace) throws InterruptedException {
        try {
            socketDir = Files.createTempDirectory("virtio4j-demo");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the demo's socket directory", e);
        }
        closeOrder.push(() -> deleteDirectory(socketDir));
        try {
            gateway = l3 == L3Mode.IPFORWARD ? GatewayNamespace.create(gatewayNamespace, DemoTopology.SUBNETS) : null;
            if (gateway != null) {
                closeOrder.push(gateway);
            }
            List<GatewayPort> gatewayPorts = gateway == null ? List.of() : gateway.ports();
            SwitchSpec spec = DemoTopology.spec(socketDir, l3, gatewayPorts);
            pipeline = new OvsPipeline(spec, System.nanoTime());
            VirtualSwitch.Builder builder = VirtualSwitch.builder(spec).pipeline(pipeline).counters(counters);
            for (GatewayPort g : gatewayPorts) {
                // The switch reads and writes the gateway NIC's TAP; the namespace still owns it (closing twice is harmless).
                builder.internalDevice(g.portName(), g.tap());
            }
            sw = builder.start();
            closeOrder.push(sw);
            for (DemoTopology.Host h : DemoTopology.HOSTS) {
                attach(h);
            }
            for (DemoTopology.Host h : DemoTopology.HOSTS) {
                PortWait.awaitConnected(sw, h.name(), CONNECT_TIMEOUT);
            }
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    private void attach(DemoTopology.Host h) throws InterruptedException {
        GuestNic nic = new GuestNic();
        closeOrder.push(nic);
        VhostUserFrontend fe = VhostUserFrontend.connect(socketDir.resolve(h.name() + ".sock"), CONNECT_TIMEOUT);
        // Closed before the guest's memory: the switch then drops its mapping of it first.
        closeOrder.push(fe);
        nic.attach(fe);
        nics.add(nic);
        guests.add(new Guest(h.stack(), new VhostUserNicDriver(nic)));
    }


    /** Polls every guest once: each answers what reached it. The demo's "other guests" while one pings. */
    public void pollAll() {
        for (Guest g : guests) {
            g.poll();
        }
    }

    /** The guest on port {@code name}. */
    public Guest guest(String name) {
        return guests.get(indexOf(name));
    }

    /** The NIC of the guest on port {@code name} (for the throughput run's own threads). */
    public GuestNic nic(String name) {
        return nics.get(indexOf(name));
    }

    private static int indexOf(String name) {
        for (int i = 0; i < DemoTopology.HOSTS.size(); i++) {
            if (DemoTopology.HOSTS.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no demo guest " + name);
    }

    public List<Guest> guests() {
        return guests;
    }

    public VirtualSwitch virtualSwitch() {
        return sw;
    }

    public OvsPipeline pipeline() {
        return pipeline;
    }

    /** The switch's counters (per port, PMD and drop reason). */
    public CountersManager counters() {
        return counters;
    }

    /** The gateway namespace, or null with ovs-only. */
    public GatewayNamespace gateway() {
        return gateway;
    }

    public Path socketDir() {
        return socketDir;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        while (!closeOrder.isEmpty()) {
            try {
                closeOrder.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("stopping the demo network: " + e.getMessage(), e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void deleteDirectory(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
