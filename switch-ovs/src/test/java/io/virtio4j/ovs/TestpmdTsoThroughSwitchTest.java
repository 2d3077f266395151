package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.OffloadSwitchTest.Joiner;
import io.virtio4j.ovs.OffloadSwitchTest.Received;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * A real TSO sender: dpdk-testpmd's {@code net_virtio_user} (DPDK's user-space virtio driver)
 * negotiates HOST_TSO4/6 and CSUM with the switch's vhost-user port and, in its {@code csum}
 * forwarding mode with {@code tso set 1448}, hands the switch TCP super-frames (IPv4 and IPv6)
 * behind a virtio-net header it wrote itself (GSO_TCPV4/6, gso_size, csum_start/offset, the TCP
 * pseudo-header sum). The frames come from a pcap file testpmd reads on its other port
 * ({@code net_pcap}). Two in-process guests on the same VLAN receive them: b negotiated the
 * offloads and gets each frame as it came, header fields included; c negotiated none, so the
 * switch segments and completes every checksum in software, and every segment c gets is checked
 * byte for byte (sequence, IPv4 id and checksum, FIN/PSH on the last, CWR on the first, TCP
 * checksum by an independent sum, the payload in order). A small frame goes the checksum-only way
 * and must reach c exactly as a stack without offloads would have sent it.
 */
@NeedsPeer
class TestpmdTsoThroughSwitchTest {
    private static final int MSS = 1448;
    /** Ten full segments and a short one. */
    private static final int PAYLOAD = 10 * MSS + 100;
    private static final int SMALL = 33;
    /** An IPv6 super-frame's payload: three full segments and a short one. */
    private static final int PAYLOAD6 = 3 * MSS + 7;
    /** The segments c must get: the IPv4 super-frame's, the small frame, the IPv6 super-frame's. */
    private static final int EXPECTED = (PAYLOAD + MSS - 1) / MSS + 1 + (PAYLOAD6 + MSS - 1) / MSS;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void testpmdTsoSuperFramesArriveAsCheckedSegmentsAtAGuestWithoutTso() throws Exception {
        Prerequisites.requireExecutable("dpdk-testpmd", "apt-get install dpdk");
        Prerequisites.requireRoot();
        Path tp = dir.resolve("tp.sock");
        Path b = dir.resolve("b.sock");
        Path c = dir.resolve("c.sock");
        List<PortSpec> ports = List.of(PortSpec.access("tp", PortType.VHOST_USER_SERVER, tp.toString(), 10),
                PortSpec.access("b", PortType.VHOST_USER_SERVER, b.toString(), 10),
                PortSpec.access("c", PortType.VHOST_USER_SERVER, c.toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        // What testpmd's csum engine leaves in the frames' MAC header: its own port's MAC as source
        // (the mac devarg) and the peer address as destination, here TcpFrames' own two.
        byte[] big = TcpFrames.ipv4(PAYLOAD, false);
        byte[] small = TcpFrames.ipv4(SMALL, false);
        byte[] big6 = TcpFrames.ipv6(PAYLOAD6, false);
        Path pcap = dir.resolve("in.pcap");
        writePcap(pcap, List.of(big, small, big6));
        Path log = dir.resolve("testpmd.log");
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports))
                .idleSpin(Duration.ofMillis(1)).start();
             VhostUserFrontend feB = VhostUserFrontend.connect(b, Duration.ofSeconds(5));
             GuestNic withTso = new GuestNic();
             VhostUserFrontend feC = VhostUserFrontend.connect(c, Duration.ofSeconds(5));
             GuestNic plain = new GuestNic()) {
            withTso.attach(feB, OffloadSwitchTest.OFFLOADS);
            plain.attach(feC, OffloadSwitchTest.PLAIN);
            Process testpmd = startTestpmd(pcap, tp, log);
            List<Received> atB = new ArrayList<>();
            List<Received> got = new ArrayList<>();
            try (OutputStream commands = testpmd.getOutputStream()) {
                awaitConnected(sw, "tp", testpmd, log);
                // Offloads are port configuration: set while the ports are stopped (never started
                // yet: --disable-device-start), negotiated with the switch when port 1 starts.
                send(commands, "csum set tcp hw 1", "csum set ip sw 1", "tso set " + MSS + " 1", "port start all",
                        "show port 1 tx_offload configuration", "set fwd csum", "start");
                Joiner joinerB = new Joiner(1, atB);
                Joiner joiner = new Joiner(2, got);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while ((got.size() < EXPECTED || atB.size() < 3) && System.nanoTime() < deadline && testpmd.isAlive()) {
                    withTso.receive(joinerB::buffer);
                    plain.receive(joiner::buffer);
                    Thread.sleep(2);
                }
                // Anything beyond the expected frames would show in the counts.
                Thread.sleep(100);
                withTso.receive(joinerB::buffer);
                plain.receive(joiner::buffer);
                send(commands, "stop", "show port stats 1", "quit");
            } finally {
                if (!testpmd.waitFor(15, TimeUnit.SECONDS)) {
                    testpmd.destroyForcibly().waitFor();
                }
            }
            String out = Files.readString(log);
            System.out.println(out);
            System.out.println(sw.ports());
            sw.refusals().forEach(System.out::println);
            assertTrue(out.contains("HW offload: TCP-TSO") || out.contains("TCP_TSO"), "testpmd enabled TSO on port 1:\n" + out);
            assertEquals(EXPECTED, got.size(), "the super-frames' segments and the small frame:\n" + out);
            int segments4 = (PAYLOAD + MSS - 1) / MSS;
            OffloadSwitchTest.assertSegments(big, TcpFrames.V4_HEADERS, PAYLOAD, got.subList(0, segments4), true);
            Received smallAtC = got.get(segments4);
            assertEquals(0, smallAtC.header()[0], "a complete frame");
            assertArrayEquals(small, smallAtC.frame(), "the small frame as a stack without offloads sends it");
            OffloadSwitchTest.assertSegments(big6, TcpFrames.V6_HEADERS, PAYLOAD6, got.subList(segments4 + 1, EXPECTED), false, MSS);
            assertCarriedOver(atB);
            assertEquals(3, sw.port("tp").stats().rxFrames(), "testpmd sent two super-frames and one small frame");
            assertEquals(0, sw.pmdErrors());
        }
    }

    /**
     * Guest b negotiated TSO4 and CSUM: it gets both frames as testpmd's virtio driver wrote them,
     * header fields included: the IPv4 header checksum testpmd computed ({@code csum set ip sw})
     * and the TCP pseudo-header sum (length included) in both, as Linux leaves it for the device.
     */
    private static void assertCarriedOver(List<Received> atB) {
        assertEquals(3, atB.size(), "b negotiated TSO4 and TSO6: the super-frames and the small frame, each as it came");
        Received superFrame = atB.getFirst();
        OffloadSwitchTest.assertTso4Header(superFrame);
        assertArrayEquals(TcpFrames.ipv4(PAYLOAD, true), superFrame.frame(), "the super-frame as testpmd sent it");
        Received small = atB.get(1);
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, small.header()[0]);
        assertEquals(0, small.header()[1]);
        assertArrayEquals(TcpFrames.ipv4(SMALL, true), small.frame(), "the small frame with its partial checksum");
        Received superFrame6 = atB.getLast();
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, superFrame6.header()[0]);
        assertEquals(VirtioNetHeader.GSO_TCPV6, superFrame6.header()[1]);
        assertEquals(TcpFrames.V6_HEADERS, superFrame6.u16(VirtioNetHeader.HDR_LEN));
        assertEquals(MSS, superFrame6.u16(VirtioNetHeader.GSO_SIZE));
        assertEquals(54, superFrame6.u16(VirtioNetHeader.CSUM_START));
        assertArrayEquals(TcpFrames.ipv6(PAYLOAD6, true), superFrame6.frame(), "the IPv6 super-frame as testpmd sent it");
    }

    /** testpmd, interactive (commands on stdin): port 0 reads {@code pcap}, port 1 is a virtio_user port on the switch's {@code socket}. */
    private static Process startTestpmd(Path pcap, Path socket, Path log) throws IOException {
        List<String> cmd = List.of("stdbuf", "-oL", "dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--no-huge", "-m", "256",
                "--no-pci", "--file-prefix", "v4j-tso-" + ProcessHandle.current().pid(),
                "--vdev", "net_pcap0,rx_pcap=" + pcap + ",tx_pcap=" + pcap.resolveSibling("out.pcap"),
                "--vdev", "net_virtio_user1,path=" + socket + ",queues=1,queue_size=256,mac=02:00:00:00:00:01", "--",
                "-i", "--disable-device-start", "--no-flush-rx", "--nb-cores=1", "--txq=1", "--rxq=1", "--mbuf-size=16384",
                "--total-num-mbufs=2048", "--eth-peer=1,02:00:00:00:00:02");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void send(OutputStream commands, String... lines) throws IOException {
        for (String line : lines) {
            commands.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            commands.flush();
        }
    }

    private static void awaitConnected(VirtualSwitch sw, String port, Process testpmd, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!sw.port(port).connected()) {
            assertTrue(System.nanoTime() < deadline && testpmd.isAlive(), "testpmd never attached:\n" + Files.readString(log));
            Thread.sleep(20);
        }
    }

    /** A classic pcap file (microsecond timestamps, Ethernet) holding {@code frames}. */
    static void writePcap(Path file, List<byte[]> frames) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        out.writeBytes(h.array());
        for (byte[] f : frames) {
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(0).putInt(0).putInt(f.length).putInt(f.length);
            out.writeBytes(r.array());
            out.writeBytes(f);
        }
        Files.write(file, out.toByteArray());
    }
}
