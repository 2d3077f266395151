package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * The software fallback against the kernel's own receive path: a guest with TSO sends a TCP
 * super-frame and a partial-checksum frame to a closed port of the kernel behind a TAP port
 * (which takes only complete frames); the kernel's TCP answers every segment whose checksums it
 * accepts with a RST, and counts none as a checksum error.
 */
@NeedsKernel
class OffloadKernelTest {
    static final String GUEST_MAC = "02:00:00:00:78:02";
    static final String GUEST_IP = "10.78.0.2";
    static final String KERNEL_IP = "10.78.0.1";
    private static final int MSS = 1448;

    @TempDir
    Path dir;

    @Test
    void theKernelAcceptsEverySegmentAndCompletedChecksumTheSwitchMade() throws Exception {
        TapPortKernelTest.requireTapInNamespace();
        String tap = "v4jof" + (ProcessHandle.current().pid() % 100_000);
        Path sock = dir.resolve("g.sock");
        List<PortSpec> ports = List.of(PortSpec.access("g", PortType.VHOST_USER_SERVER, sock.toString(), 10),
                PortSpec.access("t", PortType.TAP, tap, 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports)).start();
             NetNs ns = NetNs.withLink(tap, KERNEL_IP + "/24", GUEST_IP, GUEST_MAC);
             VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5));
             GuestNic guest = new GuestNic()) {
            guest.attach(fe, OffloadSwitchTest.OFFLOADS);
            TcpFrames.Endpoints toKernel = new TcpFrames.Endpoints(Frames.mac(GUEST_MAC), Frames.mac(ns.mac(tap)),
                    Frames.ipv4(GUEST_IP), Frames.ipv4(KERNEL_IP), 9);
            long csumErrorsBefore = ns.snmp("Tcp", "InCsumErrors");
            int payload = 10 * MSS + 7;
            byte[] superFrame = TcpFrames.ipv4(payload, true, toKernel);
            assertTrue(guest.transmit(0, OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
                    TcpFrames.V4_HEADERS, MSS, 34, 16), superFrame));
            assertTrue(guest.transmit(0, OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16),
                    TcpFrames.ipv4(200, true, toKernel)));
            guest.kickTx();
            int expected = 11 + 1;
            List<byte[]> resets = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (resets.size() < expected && System.nanoTime() < deadline) {
                guest.reclaimTx();
                guest.receive((seg, len) -> {
                    byte[] f = GuestNic.payload(seg, len);
                    // TCP from the kernel with RST set.
                    if (f.length >= 54 && TcpFrames.u16(f, 12) == 0x0800 && f[23] == 6 && (f[14 + 20 + 13] & 0x04) != 0) {
                        resets.add(f);
                    }
                });
                Thread.sleep(1);
            }
            assertEquals(expected, resets.size(), "a RST for every segment and the completed frame");
            for (byte[] r : resets) {
                assertTrue(TcpFrames.tcpChecksumValid(r, r.length));
            }
            assertEquals(csumErrorsBefore, ns.snmp("Tcp", "InCsumErrors"), "the kernel found no bad checksum");
            assertTrue(ns.statistic(tap, "rx_packets") >= expected, "the kernel got every segment on the TAP");
            assertEquals(0, sw.pmdErrors());
        }
    }
}
