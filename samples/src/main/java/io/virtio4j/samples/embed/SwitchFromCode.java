package io.virtio4j.samples.embed;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.samples.guest.Guest;
import io.virtio4j.samples.guest.PortWait;
import io.virtio4j.samples.guest.TinyIpStack;
import io.virtio4j.samples.guest.VhostUserNicDriver;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * Sample: a switch started from Java code instead of a config file. A {@link SwitchSpec} with two
 * vhost-user server ports on VLAN 10 (what two {@code [port]} sections say), an
 * {@link OvsPipeline} built from it, and {@link VirtualSwitch#builder} to start the PMD thread.
 * Two in-process guests ({@link GuestNic}) connect to the sockets as QEMU would, hand over their
 * memory and rings, and one pings the other through the switch.
 *
 * <pre>./virtio4j sample-switch [SOCKET-DIR]</pre>
 */
public final class SwitchFromCode {
    /** The command line, printed for {@code --help} and with every mistake. */
    public static final String USAGE = "usage: ./virtio4j sample-switch [SOCKET-DIR (default: a new temporary directory)]";
    static final Ipv4Prefix SUBNET = Ipv4Prefix.parse("192.168.10.0/24");
    static final int GATEWAY = Ipv4.parse("192.168.10.1");

    private SwitchFromCode() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    /** Runs the sample in {@code args[0]} (default: a fresh temporary directory); returns the exit status. */
    public static int run(String[] args, PrintStream out) throws IOException, InterruptedException {
        // An option ("--help") taken for a directory would end in a stack trace: refuse it with the usage.
        if (args.length > 1 || (args.length == 1 && (args[0].startsWith("-") || !Files.isDirectory(Path.of(args[0]))))) {
            out.println(args.length == 1 && !args[0].startsWith("-") ? "sample-switch: " + args[0] + " is not a directory" : USAGE);
            if (args.length == 1 && !args[0].startsWith("-")) {
                out.println(USAGE);
            }
            return 2;
        }
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("virtio4j-sample");
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        List<PortSpec> ports = List.of(
                PortSpec.access("a", PortType.VHOST_USER_SERVER, a.toString(), 10),
                PortSpec.access("b", PortType.VHOST_USER_SERVER, b.toString(), 10));
        // L2 only: no subnets, routes or neighbours; the default FDB (8192 MACs, 300 s ageing); one PMD thread.
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).start();
             GuestNic nicA = new GuestNic();
             GuestNic nicB = new GuestNic();
             VhostUserFrontend feA = VhostUserFrontend.connect(a, Duration.ofSeconds(5));
             VhostUserFrontend feB = VhostUserFrontend.connect(b, Duration.ofSeconds(5))) {
            nicA.attach(feA);
            nicB.attach(feB);
            PortWait.awaitConnected(sw, "a", Duration.ofSeconds(5));
            PortWait.awaitConnected(sw, "b", Duration.ofSeconds(5));
            Guest guestA = new Guest(new TinyIpStack("a", MacAddress.parse("02:00:00:00:0a:01"), Ipv4.parse("192.168.10.11"), SUBNET, GATEWAY),
                    new VhostUserNicDriver(nicA));
            Guest guestB = new Guest(new TinyIpStack("b", MacAddress.parse("02:00:00:00:0a:02"), Ipv4.parse("192.168.10.12"), SUBNET, GATEWAY),
                    new VhostUserNicDriver(nicB));
            for (int seq = 1; seq <= 3; seq++) {
                // This thread is both guests' vCPU: while a waits for its answer, b is polled and answers.
                TinyIpStack.EchoReply r = guestA.ping(guestB.stack().ip(), seq, guestB::poll, Duration.ofSeconds(5));
                out.printf("ping %s -> %s seq %d: reply in %.3f ms, TTL %d%n", guestA, guestB, seq, r.roundTripNanos() / 1e6, r.ttl());
            }
            awaitCountersSettled(sw);
            for (PortInfo p : sw.ports()) {
                out.printf("port %s: %s, rx %d frames, tx %d frames%n", p.name(), p.state(), p.stats().rxFrames(), p.stats().txFrames());
            }
            return 0;
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
            if (args.length == 0) {
                Files.deleteIfExists(dir);
            }
        }
    }

    /**
     * The switch counts a burst in before it sends any of it, and out only after it published it,
     * so a guest may hold a frame its output port has not counted yet: wait (up to a second) until
     * what each port sent is what the other received.
     */
    private static void awaitCountersSettled(VirtualSwitch sw) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline && (sw.port("a").stats().rxFrames() != sw.port("b").stats().txFrames()
                || sw.port("b").stats().rxFrames() != sw.port("a").stats().txFrames())) {
            Thread.sleep(1);
        }
    }
}
