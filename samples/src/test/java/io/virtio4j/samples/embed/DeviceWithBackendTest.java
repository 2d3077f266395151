package io.virtio4j.samples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.samples.testing.CapturedOutput;
import io.virtio4j.samples.guest.Guest;
import io.virtio4j.samples.guest.PortWait;
import io.virtio4j.samples.guest.TinyIpStack;
import io.virtio4j.samples.guest.VhostUserNicDriver;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/** The device sample with each backend: a vhost-user switch and its second guest, a TAP in a namespace, vhost-net. */
class DeviceWithBackendTest {
    private static final Pattern THREE_PINGS = Pattern.compile("(?s).*seq 1: reply in [\\d.]+ ms, TTL 64\\n.*seq 2: .*seq 3: reply in [\\d.]+ ms, TTL 64\\n.*");

    @TempDir
    Path dir;

    @NeedsKernel
    @Test
    void overVhostUserTheDevicePingsASecondGuestOnAnExternalSwitch() throws Exception {
        Path deviceSocket = dir.resolve("device.sock");
        Path peerSocket = dir.resolve("peer.sock");
        List<PortSpec> ports = List.of(PortSpec.access("device", PortType.VHOST_USER_SERVER, deviceSocket.toString(), 10),
                PortSpec.access("peer", PortType.VHOST_USER_SERVER, peerSocket.toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).start();
             GuestNic peerNic = new GuestNic();
             VhostUserFrontend fe = VhostUserFrontend.connect(peerSocket, Duration.ofSeconds(5))) {
            peerNic.attach(fe);
            PortWait.awaitConnected(sw, "peer", Duration.ofSeconds(5));
            Guest peer = new Guest(new TinyIpStack("peer", MacAddress.parse("02:00:00:00:77:03"), Ipv4.parse("10.77.0.3"),
                    Ipv4Prefix.parse("10.77.0.0/24"), Ipv4.parse("10.77.0.1")), new VhostUserNicDriver(peerNic));
            // The peer's own vCPU: it answers whatever reaches it until the sample is done.
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread vcpu = Thread.ofPlatform().name("peer-vcpu").start(() -> {
                while (!done.isDone()) {
                    if (peer.poll() == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            String out;
            try {
                out = CapturedOutput.of(() -> assertEquals(0, DeviceWithBackend.run(new String[] {
                    "vhost-user:path=" + deviceSocket + ",mode=client", "10.77.0.2/24", "10.77.0.3"}, System.out)));
            } finally {
                done.complete(null);
                vcpu.join();
            }
            assertTrue(out.contains("arp: 10.77.0.3 is at 02:00:00:00:77:03"), out);
            assertTrue(THREE_PINGS.matcher(out).matches(), out);
            assertEquals(3, peer.stack().echoRequestsAnswered(), "the second guest answered each echo request once");
            assertTrue(sw.port("device").stats().rxFrames() >= 4 && sw.port("peer").stats().rxFrames() >= 4,
                    "the frames crossed the switch: " + sw.ports());
        }
    }

    @NeedsKernel
    @Test
    void overTapTheDevicePingsTheKernelInANamespace() throws Exception {
        pingTheKernelThrough("tap:ifname=", "v4jst");
    }

    @Test
    void vhostNetSaysClearlyWhyItCannotOpenWhereThereIsNoVhostNet() throws Exception {
        if (Files.exists(Path.of("/dev/vhost-net"))) {
            // A host with the driver: the same sample runs for real against the kernel.
            pingTheKernelThrough("vhost-net:tap=", "v4jsn");
            return;
        }
        String out = CapturedOutput.of(() -> assertEquals(1, DeviceWithBackend.run(new String[] {
            "vhost-net:tap=v4jnone" + ProcessHandle.current().pid() % 10_000, "10.9.0.2/24", "10.9.0.1"}, System.out)));
        assertTrue(out.contains("did not open") && out.contains("/dev/vhost-net"), out);
    }

    @Test
    void aBadBackendSpecIsRefusedWithTheValidNames() throws Exception {
        String out = CapturedOutput.of(() -> assertEquals(1, DeviceWithBackend.run(new String[] {"nosuch:x=1", "10.9.0.2/24", "10.9.0.1"},
                System.out)));
        assertTrue(out.contains("backend nosuch:x=1 did not open") && out.contains("tap") && out.contains("vhost-user"), out);
        assertEquals(2, DeviceWithBackend.run(new String[] {"tap:ifname=x"}, System.out));
        assertEquals(2, DeviceWithBackend.run(new String[] {"tap:ifname=x", "10.9.0.300/24", "10.9.0.1"}, System.out));
    }

    /**
     * Runs the sample with {@code specPrefix + ifname} on a thread; once its TAP exists, moves the
     * TAP into a fresh namespace as 10.78.0.1/24, whose kernel then answers the sample's ARP and pings.
     */
    private void pingTheKernelThrough(String specPrefix, String namePrefix) throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the tun driver (modprobe tun)");
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
        String ifname = namePrefix + ProcessHandle.current().pid() % 100_000;
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return CapturedOutput.of(() -> assertEquals(0, DeviceWithBackend.run(new String[] {specPrefix + ifname, "10.78.0.2/24", "10.78.0.1"},
                        System.out)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (Files.notExists(Path.of("/sys/class/net", ifname)) && !out.isDone()) {
            assertTrue(System.nanoTime() < deadline, "the sample never created TAP " + ifname);
            Thread.sleep(5);
        }
        try (NetNs ns = NetNs.create()) {
            if (!out.isDone()) {
                ns.configure(ifname, "10.78.0.1/24");
            }
            String text = out.get(30, TimeUnit.SECONDS);
            assertTrue(text.contains("arp: 10.78.0.1 is at "), text);
            assertTrue(THREE_PINGS.matcher(text).matches(), text);
        }
    }
}
