package io.virtio4j.samples.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.control.PipelineTables;
import io.virtio4j.ovs.gateway.GatewayException;
import io.virtio4j.ovs.metrics.CounterValue;
import io.virtio4j.ovs.metrics.CountersFilePrinter;
import io.virtio4j.ovs.metrics.CountersFileReader;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.samples.guest.Guest;
import io.virtio4j.samples.guest.GuestException;
import io.virtio4j.samples.guest.TinyIpStack;
import io.virtio4j.spi.net.MacAddress;

/**
 * {@code ./virtio4j demo}: the switch with four in-process guests over real vhost-user sockets,
 * two VPCs (VLANs 10 and 20, subnets 10.0.1.0/24 and 10.0.2.0/24) routed by the switch itself
 * ({@code ovs-only}) or, as root, by a gateway namespace's kernel ({@code --l3 ipforward}). Each
 * step prints one line naming the concept it shows, then what happened; every outcome is checked
 * and a failed check makes the exit status 1.
 */
public final class SwitchDemo {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(3);
    private static final int FLOOD_FRAMES = 100;
    /** Every line the demo prints fits this many columns (a terminal, a log viewer, a CI page). */
    static final int WIDTH = 100;
    /** Where a step's text goes on after a wrap: under the text, past "step N  ". */
    private static final String STEP_INDENT = "        ";

    private final DemoOptions options;
    private final PrintStream out;
    private final List<String> failures = new ArrayList<>();

    private final boolean terminal;

    SwitchDemo(DemoOptions options, PrintStream out, boolean terminal) {
        this.options = options;
        this.out = out;
        this.terminal = terminal;
    }

    /** The subcommand: returns 0 when every check passed, 1 when one failed, 2 for a bad command line. */
    public static int run(String[] args) throws InterruptedException {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (DemoOptions.UsageException e) {
            System.err.println("virtio4j demo: " + e.getMessage());
            System.err.println(DemoOptions.USAGE);
            return 2;
        }
        // A log file or a pipe gets one progress line per second, a terminal one line redrawn in place.
        java.io.Console console = System.console();
        return new SwitchDemo(options, System.out, console != null && console.isTerminal()).run();
    }

    int run() throws InterruptedException {
        out.println("virtio4j demo: a user-space switch and four guests in this process, on real vhost-user sockets");
        DemoNetwork net;
        try {
            net = new DemoNetwork(options.l3(), "v4j-demo-" + ProcessHandle.current().pid());
        } catch (GatewayException e) {
            // Without CAP_NET_ADMIN the message says so and how to run instead (as root, or with ovs-only).
            out.println("virtio4j demo: --l3 ipforward could not set up its gateway namespace: " + e.getMessage());
            return 1;
        }
        try (net) {
            describe(net);
            handOver(net);
            arpLearning(net);
            pingsWithinSubnets(net);
            pingsAcrossSubnets(net);
            vlanIsolation(net);
            throughput(net);
            tables(net);
        } catch (GuestException e) {
            failures.add(e.getMessage());
        }
        out.println();
        if (failures.isEmpty()) {
            out.println("demo OK: every check passed");
            return 0;
        }
        out.println("demo FAILED: " + String.join("; ", failures));
        return 1;
    }

    private void describe(DemoNetwork net) {
        out.printf("  switch: %d vhost-user server ports, 1 PMD thread, L3 %s; sockets in%n", DemoTopology.HOSTS.size(),
                options.l3().configName());
        out.printf("    %s%n", net.socketDir());
        for (SubnetSpec s : DemoTopology.SUBNETS) {
            out.printf("  VLAN %d  subnet %-7s %s  gateway %s at %s%n", s.vlan(), s.name(), s.prefix(), Ipv4.format(s.gateway()),
                    MacAddress.format(s.gatewayMac()));
        }
        if (net.gateway() != null) {
            out.printf("  gateway namespace %s: its kernel routes between %s%n", net.gateway().name(),
                    net.gateway().ports().stream().map(p -> p.ifname()).toList());
        }
    }

    private void handOver(DemoNetwork net) {
        step("[virtio rings and vhost-user hand-over] each guest sends its memory (a memfd) and its ring addresses over its socket;"
                + " the switch maps them and polls the rings");
        for (DemoTopology.Host h : DemoTopology.HOSTS) {
            PortInfo p = net.virtualSwitch().port(h.name());
            out.printf("  %s  %-15s %s  VLAN %d  port %s %s (PMD %d)%n", h.name(), Ipv4.format(h.ip()), MacAddress.format(h.mac()), h.vlan(),
                    p.name(), p.state(), p.pmd());
        }
    }

    private void arpLearning(DemoNetwork net) {
        step("[MAC learning per VLAN] ARP: each guest resolves its neighbour and its gateway; the switch learns every source MAC"
                + " on the VLAN it arrived on");
        for (DemoTopology.Host h : DemoTopology.HOSTS) {
            Guest g = net.guest(h.name());
            DemoTopology.Host neighbour = neighbourOf(h);
            long mac = g.resolve(neighbour.ip(), net::pollAll, ANSWER_TIMEOUT);
            check(mac == neighbour.mac(), h.name() + " resolved " + Ipv4.format(neighbour.ip()) + " to " + MacAddress.format(mac));
            long gw = g.resolve(h.subnet().gateway(), net::pollAll, ANSWER_TIMEOUT);
            check(gw == h.subnet().gatewayMac(), h.name() + " resolved its gateway to " + MacAddress.format(gw));
            out.printf("  %s: who-has %s -> %s (%s); who-has %s -> %s (gateway)%n", h.name(), Ipv4.format(neighbour.ip()),
                    MacAddress.format(mac), neighbour.name(), Ipv4.format(h.subnet().gateway()), MacAddress.format(gw));
        }
        out.printf("  the gateways' ARP replies came from %s%n",
                options.l3() == L3Mode.OVS_ONLY ? "the switch's ARP responder" : "the gateway namespace's kernel");
        out.printf("  the switch's FDB now holds %d MACs (table at the end)%n", net.pipeline().fdb().size());
    }

    private void pingsWithinSubnets(DemoNetwork net) {
        step("[MAC learning per VLAN] pings within a subnet: unicast to the learned port only, the frame unchanged");
        ping(net, "vm1", "vm2", ExpectedTtl.SAME_SUBNET);
        ping(net, "vm3", "vm4", ExpectedTtl.SAME_SUBNET);
    }

    private void pingsAcrossSubnets(DemoNetwork net) {
        if (options.l3() == L3Mode.OVS_ONLY) {
            step("[L3 routing in the switch (l3 = ovs-only)] pings across subnets: the switch's flow tables route them, set the"
                    + " gateway's source MAC and decrement the TTL");
        } else {
            step("[L3 routing by the kernel (l3 = ipforward)] pings across subnets: the switch sends them to the gateway NIC, the"
                    + " namespace's kernel routes, rewrites the MACs and decrements the TTL");
        }
        ping(net, "vm1", "vm3", ExpectedTtl.ROUTED);
        ping(net, "vm4", "vm2", ExpectedTtl.ROUTED);
    }

    /** The TTL a ping arrives with: 64 as sent, one less per router. */
    private enum ExpectedTtl {
        SAME_SUBNET(64), ROUTED(63);

        final int ttl;

        ExpectedTtl(int ttl) {
            this.ttl = ttl;
        }
    }

    private void ping(DemoNetwork net, String from, String to, ExpectedTtl expected) {
        Guest sender = net.guest(from);
        Guest receiver = net.guest(to);
        DemoTopology.Host target = host(to);
        long answeredBefore = receiver.stack().echoRequestsAnswered();
        for (int seq = 1; seq <= 3; seq++) {
            TinyIpStack.EchoReply r = sender.ping(target.ip(), seq, net::pollAll, ANSWER_TIMEOUT);
            int ttlAtReceiver = receiver.stack().lastEchoRequestTtl();
            long sourceAtReceiver = receiver.stack().lastEchoRequestSource();
            out.printf("  ping %s -> %s (%s) seq %d: %.2f ms; at %s: TTL %d, src MAC %s%s%n", from, to, Ipv4.format(target.ip()),
                    seq, r.roundTripNanos() / 1e6, to, ttlAtReceiver, MacAddress.format(sourceAtReceiver),
                    expected == ExpectedTtl.ROUTED ? " (gateway)" : " (" + from + ")");
            check(ttlAtReceiver == expected.ttl, "ping " + from + " -> " + to + " arrived with TTL " + ttlAtReceiver + ", expected " + expected.ttl);
            check(r.ttl() == expected.ttl, "the reply " + to + " -> " + from + " arrived with TTL " + r.ttl() + ", expected " + expected.ttl);
            long expectedSource = expected == ExpectedTtl.ROUTED ? target.subnet().gatewayMac() : host(from).mac();
            check(sourceAtReceiver == expectedSource, to + " saw Ethernet source " + MacAddress.format(sourceAtReceiver));
        }
        check(receiver.stack().echoRequestsAnswered() - answeredBefore == 3, to + " answered " + (receiver.stack().echoRequestsAnswered() - answeredBefore)
                + " of 3 echo requests");
    }

    private void vlanIsolation(DemoNetwork net) throws InterruptedException {
        step("[VLAN isolation] vm1 floods " + FLOOD_FRAMES + " broadcasts on VLAN 10 (ARP who-has 10.0.2.21, an address on VLAN 20):"
                + " only VLAN 10 may see them");
        Guest vm1 = net.guest("vm1");
        long vm2Before = net.guest("vm2").stack().framesFrom(host("vm1").mac());
        java.lang.foreign.MemorySegment frame = java.lang.foreign.Arena.ofAuto().allocate(TinyIpStack.MAX_FRAME);
        int length = vm1.stack().arpRequest(host("vm3").ip(), frame);
        for (int i = 0; i < FLOOD_FRAMES; i++) {
            while (!vm1.nic().send(frame, length)) {
                net.pollAll();
            }
            net.pollAll();
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (net.guest("vm2").stack().framesFrom(host("vm1").mac()) - vm2Before < FLOOD_FRAMES && System.nanoTime() < deadline) {
            net.pollAll();
            Thread.sleep(1);
        }
        // A last look after the flood: anything late across the VLAN boundary would show now.
        Thread.sleep(100);
        net.pollAll();
        long vm2Got = net.guest("vm2").stack().framesFrom(host("vm1").mac()) - vm2Before;
        long leaked = 0;
        for (DemoTopology.Host receiver : DemoTopology.HOSTS) {
            for (DemoTopology.Host sender : DemoTopology.HOSTS) {
                if (receiver.vlan() != sender.vlan()) {
                    leaked += net.guest(receiver.name()).stack().framesFrom(sender.mac());
                }
            }
        }
        out.printf("  vm2 (VLAN 10) received %d of the %d broadcasts; vm3, vm4 (VLAN 20) saw %d frames from VLAN 10%n", vm2Got,
                FLOOD_FRAMES, net.guest("vm3").stack().framesFrom(host("vm1").mac()) + net.guest("vm4").stack().framesFrom(host("vm1").mac())
                        + net.guest("vm3").stack().framesFrom(host("vm2").mac()) + net.guest("vm4").stack().framesFrom(host("vm2").mac()));
        out.printf("  frames leaked across VLANs since the start (seen by a guest of the other VLAN): %d%n", leaked);
        check(vm2Got == FLOOD_FRAMES, "vm2 received " + vm2Got + " of " + FLOOD_FRAMES + " broadcasts");
        check(leaked == 0, leaked + " frames crossed between VLANs");
    }

    private void throughput(DemoNetwork net) throws InterruptedException {
        step("[virtio rings: bursts, one copy guest to guest] " + options.seconds() + " s throughput: vm1 -> vm2 (VLAN 10) and vm3 -> vm4"
                + " (VLAN 20), " + options.frameSize() + "-byte frames, each guest on its own thread; every frame's sequence checked");
        ThroughputRun run = new ThroughputRun(List.of(pair(net, "vm1", "vm2"), pair(net, "vm3", "vm4")));
        ThroughputRun.Result r = run.run(options.seconds(), out, terminal);
        out.printf("  throughput: %,d frames in %.1f s: %.3f Mpps, %.3f Gbit/s (whole run, with warm-up)%n", r.frames(),
                r.seconds(), r.mpps(), r.gbits());
        out.printf("  steady after %.1f s of warm-up: %.3f Mpps, %.3f Gbit/s; sequence errors %d, lost %d, foreign %d%n",
                r.warmUpSeconds(), r.steadyMpps(), r.steadyGbits(), r.sequenceErrors(), r.lost(), r.foreignFrames());
        check(r.frames() > 0, "no frame went through");
        check(r.sequenceErrors() == 0 && r.lost() == 0 && r.foreignFrames() == 0, "throughput frames were lost, reordered or altered");
    }

    private ThroughputRun.Pair pair(DemoNetwork net, String from, String to) {
        DemoTopology.Host a = host(from);
        DemoTopology.Host b = host(to);
        return new ThroughputRun.Pair(from + "-" + to, net.nic(from), net.nic(to),
                SequencedFrames.template(options.frameSize(), a.mac(), b.mac(), a.ip(), b.ip()));
    }

    private void tables(DemoNetwork net) {
        step("[the switch's tables] the FDB (like ovs-appctl fdb/show), the routes, the per-port counters");
        out.println("FDB:");
        print(PipelineTables.fdb(net.pipeline().fdb(), net.virtualSwitch().spec().ports()).lines());
        if (options.l3() == L3Mode.OVS_ONLY) {
            out.println("routes:");
            print(PipelineTables.routes(net.pipeline().routes()).lines());
        } else {
            out.println("routes (the kernel's, in " + net.gateway().name() + "):");
            print(kernelRoutes(net.gateway().name()));
        }
        out.println("port counters:");
        // Traffic always; drops and refusals (vhost_*, chain_*) only when they happened, so the
        // table stays readable (ctl counters lists them all).
        List<CounterValue> shown = CountersFileReader.snapshot(net.counters()).stream()
                .filter(c -> c.name().startsWith("rx_") || c.name().startsWith("tx_") || c.value() != 0).toList();
        print(CountersFilePrinter.pivot(shown, "port").lines());
    }

    private static List<String> kernelRoutes(String namespace) {
        try {
            Process p = new ProcessBuilder("ip", "-n", namespace, "-4", "route", "show").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return text.lines().toList();
        } catch (IOException e) {
            return List.of("(ip route failed: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("(interrupted)");
        }
    }

    private void print(List<String> lines) {
        lines.forEach(l -> out.println("  " + l));
    }

    /** {@code text} broken at spaces into lines of at most {@link #WIDTH} columns, the first after {@code first}. */
    static List<String> wrap(String first, String indent, String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(first);
        for (String word : text.split(" ")) {
            boolean empty = line.length() == (lines.isEmpty() ? first.length() : indent.length());
            if (!empty && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder(indent);
                empty = true;
            }
            line.append(empty ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private int steps;

    private void step(String line) {
        out.println();
        wrap("step " + ++steps + "  ", STEP_INDENT, line).forEach(out::println);
    }

    private void check(boolean ok, String failure) {
        if (!ok) {
            failures.add(failure);
            out.println("  CHECK FAILED: " + failure);
        }
    }

    private static DemoTopology.Host host(String name) {
        return DemoTopology.HOSTS.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    private static DemoTopology.Host neighbourOf(DemoTopology.Host h) {
        return DemoTopology.HOSTS.stream().filter(o -> o != h && o.vlan() == h.vlan()).findFirst().orElseThrow();
    }
}
