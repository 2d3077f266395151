package io.virtio4j.ovs.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;
import io.virtio4j.testing.qemu.GuestRun;
import io.virtio4j.testing.qemu.GuestSpec;
import io.virtio4j.testing.qemu.PingOutput;
import io.virtio4j.testing.qemu.QemuGuest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.virtio4j.testing.qemu.GuestCommands.UNTIL_CARRIER_LOST;
import static io.virtio4j.testing.qemu.GuestCommands.untilReachable;

/**
 * Two real Linux guests (QEMU under TCG, Debian's kernel, busybox; {@code scripts/qemu-guest.sh})
 * on two subnets of the switch, attached over vhost-user, ping each other across the switch's
 * ovs-only routing and their gateways. Each guest's own ping output is the evidence: replies
 * received, TTL 63 (Linux sends 64, the switch's router decrements it once); the switch's FDB and
 * port counters must agree. Both socket roles: the switch listening (QEMU connects), and QEMU
 * listening with the switch connecting, there also across a restart of the switch.
 * The switches come from the config files next to this class (docs/qemu-guests.md shows them).
 * In the three-guest case vm1's NIC has two queue pairs (multiqueue, two vCPUs): its driver must
 * negotiate VIRTIO_NET_F_MQ, bring up two RX and two TX queues, and ping from its second vCPU
 * (whose packets XPS puts on TX queue 1) as well. Then TCP (issue 15): 512 KB each way between
 * vm1 and vm2 (routed, checksum and segmentation offloads negotiated on both, the super-frames
 * carried over) and between vm1 and vm3, whose NIC is started
 * {@code csum=off,guest_csum=off,host_tso4=off,guest_tso4=off}, so the switch segments and
 * checksums vm1's super-frames for it; and between vm2 and vm3, both on packed rings (issue 14),
 * routed. Every transfer's md5 must match.
 */
@NeedsPeer
class QemuGuestsOnSwitchTest {
    /** Boot, pings and power-off of three TCG guests sharing 2 cores with the switch: about 20 s. */
    private static final Duration RUN = Duration.ofSeconds(240);
    private static final String VM1_MAC = "52:54:00:00:01:10";
    private static final String VM2_MAC = "52:54:00:00:02:10";
    private static final String VM3_MAC = "52:54:00:00:01:11";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void threeGuestsOnTwoSubnetsReachEachOtherSwitchedWithinAndRoutedAcross() throws Exception {
        requireQemuGuests();
        SwitchSpec spec = spec("two-subnets.conf");
        // vm2 and vm3 (issue 14) run packed virtqueues, vm1 split ones: vm3's pings to its subnet
        // neighbour vm1 cross from one ring kind into the other inside the switch, and vm2 and vm3,
        // two packed guests, reach each other routed. The TCP transfers (issue 15) go split to
        // packed (vm1 to vm2 and back, routed), between split and packed (vm1 and vm3, switched),
        // and packed to packed (vm2 and vm3 both ways, routed).
        // vm3 takes no checksum or segmentation offload (issue 15): vm1's super-frames and partial
        // checksums reach it through the switch's software segmentation and checksums.
        List<GuestSpec> plan = List.of(guest("vm1", false).withQueuePairs(2), guest("vm2", false).withPackedRings(),
                guest("vm3", false).withPackedRings().withNicOptions(NO_OFFLOADS));
        List<GuestSpec> guests = plan.stream().map(g -> {
            List<String> commands = new ArrayList<>(meshCommands(g, peers(plan, g)));
            commands.addAll(transferCommands(g.name()));
            return g.withCommands(commands);
        }).toList();
        long start = System.nanoTime();
        List<QemuGuest> running = new ArrayList<>();
        try (VirtualSwitch sw = startSwitch(spec)) {
            OvsPipeline pipeline = (OvsPipeline) sw.pipeline();
            for (GuestSpec g : guests) {
                running.add(QemuGuest.boot(g, dir, RUN));
            }
            List<GuestRun> runs = new ArrayList<>();
            for (QemuGuest g : running) {
                runs.add(g.await(RUN));
            }
            System.out.printf("three guests booted, pinged and powered off in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            runs.forEach(r -> System.out.println(r.console()));
            System.out.println(describe(sw, pipeline));

            // received[a][b]: replies guest a got from guest b.
            int[][] received = new int[guests.size()][guests.size()];
            int[] gatewayReplies = new int[guests.size()];
            for (int a = 0; a < guests.size(); a++) {
                GuestRun run = runs.get(a);
                GuestSpec self = guests.get(a);
                assertTrue(run.eth0().startsWith("mac=" + self.mac() + " ip=" + self.ipPrefix()), run.eth0());
                List<GuestSpec> peers = peers(guests, self);
                for (int i = 0; i < peers.size(); i++) {
                    GuestSpec peer = peers.get(i);
                    // Same subnet: switched, TTL untouched; other subnet: one routing hop.
                    int ttl = self.gateway().equals(peer.gateway()) ? 64 : 63;
                    PingOutput ping = assertPing(run, peers.size() + 1 + i, peer.ip(), ttl);
                    received[a][guests.indexOf(peer)] = ping.received();
                }
                gatewayReplies[a] = assertGatewayPing(run, 2 * peers.size() + 1, self.gateway()).received();
                assertEquals(self.queuePairs() > 1 ? '1' : '0', features(run).charAt(VIRTIO_NET_F_MQ),
                        run.name() + " negotiated VIRTIO_NET_F_MQ exactly when it has more than one pair: " + run.eth0());
                assertEquals(self.packed() ? '1' : '0', features(run).charAt(VIRTIO_F_RING_PACKED),
                        run.name() + " negotiated VIRTIO_F_RING_PACKED exactly when its NIC offers it: " + run.eth0());
                if (self.queuePairs() > 1) {
                    received[a][guests.indexOf(peers.get(0))] += assertMultiqueue(run, 2 * peers.size() + 2, peers.get(0), self);
                }
                // The switch's default offloads, as QEMU's virtio-net-pci takes them (csum=on, ...),
                // and none of those vm3's NIC was started without.
                int[] offloads = self.nicOptions().isEmpty() ? OFFLOAD_BITS : OFFLOADS_OFF;
                char expected = self.nicOptions().isEmpty() ? '1' : '0';
                for (int bit : offloads) {
                    assertEquals(expected, features(run).charAt(bit), run.name() + " feature bit " + bit + ": " + run.eth0());
                }
                assertEquals(0, run.scriptExit(), run.scriptOutput());
            }
            // TCP: vm1 and vm2 both ways routed, with offloads on both; vm1 and vm3 both ways
            // switched, vm3 without offloads.
            int firstTransfer = meshCommands(guests.get(0), peers(guests, guests.get(0))).size() + 1;
            GuestRun vm1 = runs.get(0);
            GuestRun vm2 = runs.get(1);
            GuestRun vm3 = runs.get(2);
            for (GuestRun r : runs) {
                int commands = transferCommands(r.name()).size();
                for (int c = 0; c < commands; c++) {
                    assertEquals(0, r.commandStatus(firstTransfer(r, guests) + c), r.name() + " transfer command " + c + ": "
                            + r.commandOutput(firstTransfer(r, guests) + c));
                }
            }
            String sentByVm1 = vm1.commandOutput(firstTransfer).trim();
            assertEquals(sentByVm1, vm2.commandOutput(firstTransfer(vm2, guests) + 1).trim(), "vm2 got vm1's 512 KB intact (routed)");
            assertEquals(sentByVm1, vm3.commandOutput(firstTransfer(vm3, guests) + 1).trim(),
                    "vm3, without offloads, got vm1's 512 KB intact (switched, segmented and checksummed by the switch)");
            assertEquals(vm2.commandOutput(firstTransfer(vm2, guests)).trim(), vm1.commandOutput(firstTransfer + 3).trim(),
                    "vm1 got vm2's 512 KB intact (routed)");
            assertEquals(vm3.commandOutput(firstTransfer(vm3, guests)).trim(), vm1.commandOutput(firstTransfer + 4).trim(),
                    "vm1 got vm3's 512 KB intact (switched)");
            // Two packed-ring guests (issue 14), routed, both ways; vm3 without offloads.
            assertEquals(vm2.commandOutput(firstTransfer(vm2, guests)).trim(), vm3.commandOutput(firstTransfer(vm3, guests) + 4).trim(),
                    "vm3 got vm2's 512 KB intact (packed to packed, routed)");
            assertEquals(vm3.commandOutput(firstTransfer(vm3, guests)).trim(), vm2.commandOutput(firstTransfer(vm2, guests) + 4).trim(),
                    "vm2 got vm3's 512 KB intact (packed to packed, routed)");
            // vm3 negotiated no GUEST_TSO4: vm1's 512 KB came in frames of at most one MSS (1448
            // bytes with timestamps), made by the switch out of vm1's super-frames.
            long vm3Frames = Long.parseLong(vm3.commandOutput(firstTransfer(vm3, guests) + 3).trim());
            assertTrue(vm3Frames >= 512 * 1024 / 1448 + 1, "vm3 received segments, not super-frames: " + vm3Frames + " frames");
            PortInfo vm1Port = sw.port("vm1");
            System.out.printf("vm1 sent the switch %d frames, %d bytes: %d bytes a frame on average%n", vm1Port.stats().rxFrames(),
                    vm1Port.stats().rxBytes(), vm1Port.stats().rxBytes() / Math.max(1, vm1Port.stats().rxFrames()));
            for (var refusal : sw.refusals()) {
                if (refusal.reason().startsWith("vnet_")) {
                    assertEquals(0, refusal.count(), "a Linux guest's virtio-net headers are all accepted: " + refusal);
                }
            }

            assertEquals(Set.of("10/" + VM1_MAC + "@0", "20/" + VM2_MAC + "@1", "10/" + VM3_MAC + "@2"), fdb(pipeline),
                    "the FDB learned each guest's MAC on its VLAN and port");
            for (int a = 0; a < guests.size(); a++) {
                // A guest's port carried at least its answered requests, its replies to the others'
                // answered requests and its gateway pings; the same number came back out of it.
                long atLeast = gatewayReplies[a];
                for (int b = 0; b < guests.size(); b++) {
                    atLeast += received[a][b] + received[b][a];
                }
                assertPortCarried(sw.port(guests.get(a).name()), atLeast);
            }
            assertEquals(0, sw.drops(DropReason.MALFORMED), "every frame of a real Linux guest parses");
            assertEquals(0, sw.pmdErrors());
        } finally {
            running.forEach(QemuGuest::close);
        }
    }

    /**
     * The address plan of both configs: vm1 and vm3 on VLAN 10 (10.0.1.0/24), vm2 on VLAN 20
     * (10.0.2.0/24), one queue pair each, no commands yet. Port indices follow the config files.
     */
    GuestSpec guest(String name, boolean qemuListens) {
        Path socket = dir.resolve(name + ".sock");
        return switch (name) {
            case "vm1" -> new GuestSpec(name, socket, qemuListens, VM1_MAC, "10.0.1.10/24", "10.0.1.1", 1, false, List.of());
            case "vm2" -> new GuestSpec(name, socket, qemuListens, VM2_MAC, "10.0.2.10/24", "10.0.2.1", 1, false, List.of());
            case "vm3" -> new GuestSpec(name, socket, qemuListens, VM3_MAC, "10.0.1.11/24", "10.0.1.1", 1, false, List.of());
            default -> throw new IllegalArgumentException("no guest " + name + " in the address plan");
        };
    }

    /** Everyone in {@code all} but {@code self}. */
    static List<GuestSpec> peers(List<GuestSpec> all, GuestSpec self) {
        return all.stream().filter(g -> !g.name().equals(self.name())).toList();
    }

    /**
     * Wait until every peer answers (they boot in parallel), ping each three times, ping the
     * gateway, then stay up a little so the peers' last requests are answered too. The gateway
     * ping is small (-s 16): the switch answers an echo only when the whole request lies in the
     * 86 header bytes its pipeline sees (FramePipeline.HEADER_BYTES).
     */
    static List<String> meshCommands(GuestSpec self, List<GuestSpec> peers) {
        List<String> commands = new ArrayList<>();
        peers.forEach(p -> commands.add(untilReachable(p.ip())));
        peers.forEach(p -> commands.add("ping -c 3 " + p.ip()));
        commands.add("ping -c 2 -s 16 " + self.gateway());
        if (self.queuePairs() > 1) {
            // The queues the driver brought up, the CPU XPS sends TX queue 1's packets from, and a
            // ping from that (second) CPU.
            commands.add("ls /sys/class/net/eth0/queues");
            commands.add("cat /sys/class/net/eth0/queues/tx-1/xps_cpus");
            commands.add("taskset 2 ping -c 3 " + peers.get(0).ip());
        }
        commands.add("sleep 5");
        return commands;
    }

    /** CSUM, GUEST_CSUM, GUEST_TSO4, GUEST_TSO6, HOST_TSO4, HOST_TSO6. */
    private static final int[] OFFLOAD_BITS = {0, 1, 7, 8, 11, 12};
    /** The NIC properties of a guest that takes no offload, as issue 15 names them. */
    static final String NO_OFFLOADS = "csum=off,guest_csum=off,host_tso4=off,guest_tso4=off";
    /** CSUM, GUEST_CSUM, GUEST_TSO4, HOST_TSO4: what {@link #NO_OFFLOADS} turns off. */
    private static final int[] OFFLOADS_OFF = {0, 1, 7, 11};

    /** Where {@link #transferCommands} start in {@code run}'s guest's commands (1-based). */
    private static int firstTransfer(GuestRun run, List<GuestSpec> guests) {
        GuestSpec self = guests.stream().filter(g -> g.name().equals(run.name())).findFirst().orElseThrow();
        return meshCommands(self, peers(guests, self)).size() + 1;
    }

    /**
     * After the mesh, 512 KB of random bytes each way over TCP: vm1 serves its data to vm2 (routed)
     * and to vm3 (switched), then fetches vm2's and vm3's; each side prints the size and md5 of what
     * it served or got. vm3 then says how many frames its NIC received. Last, vm2 and vm3, the two
     * packed-ring guests (issue 14), exchange their data over TCP the same way, routed: vm3 fetches
     * vm2's, then vm2 fetches vm3's.
     * The server is the sender (busybox nc sends its input, half-closes, and exits once the
     * fetcher closes); the fetcher's input never ends before the transfer does (a newline a
     * second, which the server discards), because busybox nc stops sending when the other side
     * half-closes. Fetchers retry until the server listens.
     */
    static List<String> transferCommands(String name) {
        String data = "dd if=/dev/urandom of=/tmp/data bs=64k count=8 2>/dev/null; wc -c < /tmp/data; md5sum < /tmp/data";
        return switch (name) {
            case "vm1" -> List.of(data, serve(5001), serve(5002), fetch("10.0.2.10", 5003), fetch("10.0.1.11", 5004));
            case "vm2" -> List.of(data, fetch("10.0.1.10", 5001), serve(5003), serve(5005), fetch("10.0.1.11", 5006));
            case "vm3" -> List.of(data, fetch("10.0.1.10", 5002), serve(5004), "cat /sys/class/net/eth0/statistics/rx_packets",
                    fetch("10.0.2.10", 5005), serve(5006));
            default -> List.of();
        };
    }

    private static String serve(int port) {
        return "nc -l -p " + port + " < /tmp/data > /dev/null";
    }

    private static String fetch(String ip, int port) {
        // Up to 5 minutes: the server may still be busy under TCG on a loaded host.
        return "for i in $(seq 300); do (while echo; do sleep 1; done) | nc " + ip + " " + port
                + " > /tmp/got 2> /dev/null && break; sleep 1; done; wc -c < /tmp/got; md5sum < /tmp/got";
    }

    /** Bit 22 of the virtio-net feature bits. */
    private static final int VIRTIO_NET_F_MQ = 22;
    /** VIRTIO_F_RING_PACKED: the packed virtqueue layout (virtio 1.2 section 2.8). */
    private static final int VIRTIO_F_RING_PACKED = 34;

    /** The feature bits eth0's driver negotiated, bit 0 first ({@code /sys/class/net/eth0/device/features}). */
    static String features(GuestRun run) {
        String eth0 = run.eth0();
        return eth0.substring(eth0.indexOf("features=") + "features=".length()).trim();
    }

    /**
     * The multiqueue commands from {@code first} on: two RX and two TX queues, TX queue 1 mapped to
     * CPU 1 (mask 2), and a ping from CPU 1 answered by {@code peer}; returns its replies.
     */
    static int assertMultiqueue(GuestRun run, int first, GuestSpec peer, GuestSpec self) {
        assertEquals(0, run.commandStatus(first), run.commandOutput(first));
        assertEquals(Set.of("rx-0", "rx-1", "tx-0", "tx-1"), Set.of(run.commandOutput(first).trim().split("\\s+")),
                run.name() + "'s queues");
        assertEquals("2", run.commandOutput(first + 1).trim(), run.name() + ": TX queue 1 belongs to CPU 1");
        int ttl = self.gateway().equals(peer.gateway()) ? 64 : 63;
        return assertPing(run, first + 2, peer.ip(), ttl).received();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void withQemuListeningTheSwitchReconnectsAfterARestartAndTrafficResumes() throws Exception {
        requireQemuGuests();
        SwitchSpec spec = spec("two-subnets-qemu-listens.conf");
        // Round 1, then wait for the link to drop (the switch goes away), then round 2 once the
        // new switch has reconnected; both guests stay up until the other's round 2 is answered.
        GuestSpec vm1 = guest("vm1", true).withCommands(List.of(untilReachable("10.0.2.10"), "ping -c 3 10.0.2.10",
                UNTIL_CARRIER_LOST, untilReachable("10.0.2.10"), "ping -c 3 10.0.2.10", "sleep 3"));
        GuestSpec vm2 = guest("vm2", true).withCommands(List.of(untilReachable("10.0.1.10"), "ping -c 3 10.0.1.10",
                UNTIL_CARRIER_LOST, untilReachable("10.0.1.10"), "ping -c 3 10.0.1.10", "sleep 3"));
        long start = System.nanoTime();
        try (QemuGuest g1 = QemuGuest.boot(vm1, dir, RUN);
             QemuGuest g2 = QemuGuest.boot(vm2, dir, RUN)) {
            Set<String> firstFdb;
            try (VirtualSwitch first = startSwitch(spec)) {
                OvsPipeline pipeline = (OvsPipeline) first.pipeline();
                g1.awaitCommandDone(2, RUN);
                g2.awaitCommandDone(2, RUN);
                firstFdb = fdb(pipeline);
                System.out.println(describe(first, pipeline));
            }
            // The switch is gone: QEMU sets the link down and each guest sees its carrier drop.
            g1.awaitCommandDone(3, Duration.ofSeconds(20));
            g2.awaitCommandDone(3, Duration.ofSeconds(20));
            try (VirtualSwitch second = startSwitch(spec)) {
                OvsPipeline pipeline = (OvsPipeline) second.pipeline();
                GuestRun r1 = g1.await(RUN);
                GuestRun r2 = g2.await(RUN);
                System.out.printf("two guests, one switch restart: %d ms%n%s%n%s%n%s%n", (System.nanoTime() - start) / 1_000_000,
                        r1.console(), r2.console(), describe(second, pipeline));

                PingOutput before1 = assertRoutedPing(r1, 2, vm2.ip());
                PingOutput before2 = assertRoutedPing(r2, 2, vm1.ip());
                assertEquals(0, r1.commandStatus(3), "vm1 saw its carrier drop:\n" + r1.commandOutput(3));
                assertEquals(0, r2.commandStatus(3), "vm2 saw its carrier drop:\n" + r2.commandOutput(3));
                PingOutput after1 = assertRoutedPing(r1, 5, vm2.ip());
                PingOutput after2 = assertRoutedPing(r2, 5, vm1.ip());
                assertEquals(0, r1.scriptExit(), r1.scriptOutput());
                assertEquals(0, r2.scriptExit(), r2.scriptOutput());

                Set<String> expectedFdb = Set.of("10/" + VM1_MAC + "@0", "20/" + VM2_MAC + "@1");
                assertEquals(expectedFdb, firstFdb, "the first switch learned both guests");
                assertEquals(expectedFdb, fdb(pipeline), "the restarted switch learned both guests again");
                // The second switch carried round 2 in both directions (its counters start at 0).
                assertPortCarried(second.port("vm1"), after1.received() + after2.received());
                assertPortCarried(second.port("vm2"), after1.received() + after2.received());
                assertTrue(before1.received() == 3 && before2.received() == 3);
                assertEquals(0, second.drops(DropReason.MALFORMED), "every frame of a real Linux guest parses");
                assertEquals(0, second.pmdErrors());
            }
        }
    }

    private static VirtualSwitch startSwitch(SwitchSpec spec) {
        return VirtualSwitch.builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).start();
    }

    /** Ping command {@code n} got every reply from {@code target}, each with TTL 63 (routed once). */
    static PingOutput assertRoutedPing(GuestRun run, int n, String target) {
        return assertPing(run, n, target, 63);
    }

    /** Ping command {@code n} got all three replies from {@code target}, each with {@code ttl}. */
    static PingOutput assertPing(GuestRun run, int n, String target, int ttl) {
        PingOutput ping = PingOutput.parse(run.commandOutput(n));
        assertEquals(0, run.commandStatus(n), run.name() + " ping " + target + ":\n" + run.commandOutput(n));
        assertEquals(3, ping.received(), run.name() + " replies from " + target + ":\n" + run.commandOutput(n));
        assertEquals(List.of(target, target, target), ping.from());
        assertEquals(List.of(ttl, ttl, ttl), ping.ttls(), run.name() + ": TTL of replies from " + target);
        return ping;
    }

    /** Ping command {@code n} got both replies from the switch's gateway address. */
    static PingOutput assertGatewayPing(GuestRun run, int n, String gateway) {
        PingOutput ping = PingOutput.parse(run.commandOutput(n));
        assertEquals(2, ping.received(), run.name() + " replies from its gateway:\n" + run.commandOutput(n));
        assertEquals(List.of(gateway, gateway), ping.from());
        return ping;
    }

    static void assertPortCarried(PortInfo port, long atLeast) {
        assertTrue(port.stats().rxFrames() >= atLeast, port.name() + " received " + port.stats() + ", expected >= " + atLeast);
        assertTrue(port.stats().txFrames() >= atLeast, port.name() + " sent " + port.stats() + ", expected >= " + atLeast);
        // An ICMP echo in a frame is 98 bytes: the byte counters moved with the frames.
        assertTrue(port.stats().rxBytes() >= 58 * atLeast && port.stats().txBytes() >= 58 * atLeast, port.toString());
    }

    /** The switch's ports, drops and FDB, printed with every run (what to look at when a ping failed). */
    static String describe(VirtualSwitch sw, OvsPipeline pipeline) {
        StringBuilder sb = new StringBuilder("switch after the run:\n");
        sw.ports().forEach(p -> sb.append("  ").append(p).append('\n'));
        for (DropReason reason : DropReason.values()) {
            if (reason != DropReason.NONE && sw.drops(reason) > 0) {
                sb.append("  drop ").append(reason).append(": ").append(sw.drops(reason)).append('\n');
            }
        }
        return sb.append("  fdb ").append(fdb(pipeline)).toString();
    }

    /** The FDB as {@code VLAN/MAC@PORT} strings. */
    static Set<String> fdb(OvsPipeline pipeline) {
        return pipeline.fdb().stream().map(e -> e.vlan() + "/" + MacAddress.format(e.mac()) + "@" + e.port())
                .collect(Collectors.toSet());
    }

    /** The switch of a config file next to this class; its relative socket paths land in the test's directory. */
    SwitchSpec spec(String resource) throws IOException {
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream(resource), resource)) {
            return SwitchConfigReader.parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8), dir).spec();
        }
    }

    static void requireQemuGuests() {
        Prerequisites.requireDebianGuest();
    }
}
