package io.virtio4j.samples.embed;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.time.Duration;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.samples.guest.Guest;
import io.virtio4j.samples.guest.GuestException;
import io.virtio4j.samples.guest.MmioNicDriver;
import io.virtio4j.samples.guest.TinyIpStack;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.spi.testing.MmioNetDriver;

/**
 * Sample: what a VMM does to give a guest a virtio-net NIC whose backend is chosen by one config
 * string. It opens the backend with {@link NetBackends#open} ({@code tap:ifname=...},
 * {@code vhost-user:path=...,mode=client}, {@code vhost-net:tap=...}), builds the device model
 * ({@link VirtioNetDevice}) over memfd-backed guest memory (shareable, as vhost-user needs), puts
 * the virtio-mmio transport ({@link VirtioMmioTransport}) in front of it, and lets backend-spi's
 * in-process driver ({@link MmioNetDriver}) play the guest: it negotiates, sets up the rings, and
 * with a tiny IP stack pings a peer. In a real VMM the guest's MMIO accesses reach the transport
 * instead, and KVM's ioeventfd/irqfd carry the kicks and interrupts (see {@code KvmWiring}).
 *
 * <pre>./virtio4j sample-device BACKEND-SPEC GUEST-IP/PREFIX PEER-IP [GUEST-MAC]
 * ./virtio4j sample-device tap:ifname=vt0 10.9.0.2/24 10.9.0.1</pre>
 *
 * Exit status 0 when the peer answered three pings, 1 when the backend did not open or the peer
 * did not answer (the reason is printed), 2 for a bad command line.
 */
public final class DeviceWithBackend {
    static final String DEFAULT_MAC = "52:54:00:12:34:56";
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final MmioNetDriver.Shape SHAPE = new MmioNetDriver.Shape(1, 256, 2048, 2048);

    private DeviceWithBackend() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the sample, printing to {@code out}; returns the exit status. */
    public static int run(String[] args, PrintStream out) {
        if (args.length < 3 || args.length > 4) {
            out.println("usage: ./virtio4j sample-device BACKEND-SPEC GUEST-IP/PREFIX PEER-IP [GUEST-MAC]");
            out.println(NetBackends.discover().usage());
            return 2;
        }
        Ipv4Prefix subnet;
        int guestIp;
        int peerIp;
        long mac;
        try {
            int slash = args[1].indexOf('/');
            guestIp = Ipv4.parse(slash < 0 ? args[1] : args[1].substring(0, slash));
            int length = slash < 0 ? 24 : Integer.parseInt(args[1].substring(slash + 1));
            subnet = new Ipv4Prefix(guestIp & Ipv4Prefix.mask(length), length);
            peerIp = Ipv4.parse(args[2]);
            mac = MacAddress.parse(args.length == 4 ? args[3] : DEFAULT_MAC);
        } catch (IllegalArgumentException e) {
            out.println("sample-device: " + e.getMessage());
            return 2;
        }
        NetBackend backend;
        try {
            backend = NetBackends.open(args[0]);
        } catch (RuntimeException e) {
            // Each module names its own failure (a bad option, no /dev/vhost-net, a TAP the kernel refused); show it as is.
            out.println("sample-device: backend " + args[0] + " did not open: " + e.getMessage());
            return 1;
        }
        out.println("backend " + args[0] + " open: offers features 0x" + Long.toHexString(backend.supportedFeatures()));
        try (backend;
             Arena arena = Arena.ofShared();
             MemfdGuestMemory ram = MemfdGuestMemory.create("sample-guest", 0, SHAPE.memoryBytes());
             EventfdNotifier interrupt = EventfdNotifier.create();
             VirtioNetDevice device = new VirtioNetDevice(new NetDeviceConfig(mac, 1500, 1, SHAPE.queueSize(), backend),
                     ram.memory(), EventfdNotifier::create)) {
            VirtioMmioTransport mmio = new VirtioMmioTransport(device, interrupt, 0x554d4551);
            MmioNetDriver driver = new MmioNetDriver(mmio, ram.memory(), SHAPE, arena);
            // MRG_RXBUF when offered: the kernel's vhost-net sets num_buffers only then (0 otherwise, which the driver refuses).
            long negotiated = driver.start(Features.of(VirtioFeature.VERSION_1, VirtioFeature.NET_MAC, VirtioFeature.NET_MRG_RXBUF));
            driver.fillReceiveRing(0);
            out.println("driver: negotiated 0x" + Long.toHexString(negotiated) + ", status 0x" + Integer.toHexString(driver.status()));
            try {
                Guest guest = new Guest(new TinyIpStack("guest", mac, guestIp, subnet, peerIp), new MmioNicDriver(driver, arena));
                return ping(guest, peerIp, out);
            } finally {
                driver.reset();
            }
        }
    }

    private static int ping(Guest guest, int peer, PrintStream out) {
        try {
            long peerMac = guest.resolve(peer, () -> { }, ANSWER_TIMEOUT);
            out.println("arp: " + Ipv4.format(peer) + " is at " + MacAddress.format(peerMac));
            for (int seq = 1; seq <= 3; seq++) {
                TinyIpStack.EchoReply r = guest.ping(peer, seq, () -> { }, ANSWER_TIMEOUT);
                out.printf("ping %s seq %d: reply in %.3f ms, TTL %d%n", Ipv4.format(peer), seq, r.roundTripNanos() / 1e6, r.ttl());
            }
            return 0;
        } catch (GuestException e) {
            out.println("sample-device: " + e.getMessage());
            return 1;
        }
    }
}
