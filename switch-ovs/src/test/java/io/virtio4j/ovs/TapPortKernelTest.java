package io.virtio4j.ovs;

import io.virtio4j.testing.OpenFds;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest on a vhost-user port pings the kernel through a TAP port whose link sits in a fresh
 * network namespace: the echo requests leave by writev straight from the guest's TX buffers, the
 * kernel's replies come back by readv into the port's buffer and are copied once into the guest.
 */
@NeedsKernel
class TapPortKernelTest {
    static final String GUEST_MAC = "02:00:00:00:77:02";
    static final String GUEST_IP = "10.77.0.2";
    static final String KERNEL_IP = "10.77.0.1";
    static final int PINGS = 200;

    @TempDir
    Path dir;

    static byte[] echoRequest(byte[] dstMac, int seq) {
        int icmpLength = 8 + 56;
        MemorySegment f = MemorySegment.ofArray(new byte[Frames.ETH + Frames.IP + icmpLength]);
        Frames.ethernet(f, dstMac, Frames.mac(GUEST_MAC), Frames.ETHERTYPE_IPV4);
        Frames.ipv4Header(f, Frames.PROTO_ICMP, Frames.ipv4(GUEST_IP), Frames.ipv4(KERNEL_IP), icmpLength, seq);
        int icmp = Frames.L4;
        f.set(ValueLayout.JAVA_BYTE, icmp, (byte) 8);
        Frames.u16(f, icmp + 4, 0x4242);
        Frames.u16(f, icmp + 6, seq);
        Frames.payload(f, icmp + 8, 56, seq);
        Frames.u16(f, icmp + 2, Checksum.compute(f, icmp, icmpLength));
        return f.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void aGuestPingsTheKernelThroughATapPort() throws Exception {
        pingThrough(PortType.TAP, false);
    }

    @Test
    void aGuestPingsTheKernelThroughAnInternalPortTheSwitchCreated() throws Exception {
        pingThrough(PortType.INTERNAL, false);
    }

    @Test
    void aGuestPingsTheKernelThroughAnInternalPortOnAHandedInTap() throws Exception {
        pingThrough(PortType.INTERNAL, true);
    }

    /** Skips (fails under CI) unless this test may make a TAP and a network namespace: root, tun, iproute2. */
    static void requireTapInNamespace() {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the tun driver (modprobe tun)");
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
    }

    /** A guest pings the kernel through a port of {@code type}; with {@code handIn} the test opens the TAP and hands it over. */
    private void pingThrough(PortType type, boolean handIn) throws Exception {
        requireTapInNamespace();
        String tap = "v4jdp" + (ProcessHandle.current().pid() % 100_000);
        Path sock = dir.resolve("g.sock");
        List<PortSpec> ports = List.of(PortSpec.access("g", PortType.VHOST_USER_SERVER, sock.toString(), 10),
                PortSpec.access("t", type, tap, 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        OpenFds.Snapshot fdsBefore = OpenFds.snapshot();
        VirtualSwitch.Builder builder = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports));
        if (handIn) {
            builder.internalDevice("t", TapDevice.open(TapConfig.of(tap, 1), Platform.linux()));
        }
        try (VirtualSwitch sw = builder.start();
             NetNs ns = NetNs.withLink(tap, KERNEL_IP + "/24", GUEST_IP, GUEST_MAC);
             VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5));
             GuestNic guest = new GuestNic()) {
            guest.attach(fe);
            byte[] kernelMac = Frames.mac(ns.mac(tap));
            List<byte[]> replies = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int sent = 0;
            while (replies.size() < PINGS) {
                assertTrue(System.nanoTime() < deadline, "only " + replies.size() + " echo replies for " + sent + " requests");
                if (sent < PINGS && sent - replies.size() < 32 && guest.transmit(echoRequest(kernelMac, sent))) {
                    sent++;
                    guest.kickTx();
                }
                guest.reclaimTx();
                guest.receive((seg, len) -> {
                    byte[] frame = GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR);
                    MemorySegment r = MemorySegment.ofArray(frame);
                    if (Frames.u16(r, 12) == Frames.ETHERTYPE_IPV4 && Frames.u8(r, Frames.ETH + 9) == Frames.PROTO_ICMP
                            && Frames.u8(r, Frames.L4) == 0) {
                        replies.add(frame);
                    }
                });
                Thread.sleep(0, 200_000);
            }
            for (int i = 0; i < PINGS; i++) {
                MemorySegment r = MemorySegment.ofArray(replies.get(i));
                assertEquals(Frames.ipv4(KERNEL_IP), Frames.u32(r, Frames.ETH + 12));
                assertEquals(i, Frames.u16(r, Frames.L4 + 6), "echo replies in order");
                assertTrue(Frames.payloadMatches(r, Frames.L4 + 8, 56, i), "the kernel echoed our payload, so it got it intact");
                assertTrue(Checksum.verify(r, Frames.ETH, 20));
            }
            assertTrue(ns.statistic(tap, "rx_packets") >= PINGS, "the kernel counted our requests on the TAP");
            PortInfo t = sw.port("t");
            assertTrue(t.stats().txFrames() >= PINGS && t.stats().rxFrames() >= PINGS, t.toString());
            assertEquals(0, sw.pmdErrors());
        }
        fdsBefore.assertNoneOpenedSince("the TAP fd and every other fd closed", Duration.ofSeconds(5));
    }
}
