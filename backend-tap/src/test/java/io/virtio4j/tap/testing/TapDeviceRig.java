package io.virtio4j.tap.testing;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.spi.testing.MmioNetDriver;
import io.virtio4j.tap.TapNetBackend;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The whole device stack against the real kernel: a {@link VirtioNetDevice} whose backend is
 * chosen by the config string {@code tap:ifname=...}, behind a {@link VirtioMmioTransport},
 * driven by the in-process driver {@link MmioNetDriver}; the TAP moved into a fresh namespace
 * with {@code SUBNET.1/24}. The guest is {@code SUBNET.2} with {@link #GUEST_MAC}.
 */
public final class TapDeviceRig implements AutoCloseable {
    public static final String GUEST_MAC = "52:54:00:0d:0e:0f";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    public final String ifname;
    public final String nsIp;
    public final String guestIp;
    public final TapNetBackend backend;
    public final NetNs ns;
    public final byte[] nsMac;
    public final Arena arena = Arena.ofShared();
    public final GuestMemory memory;
    public final VirtioNetDevice device;
    public final EventfdNotifier interrupt;
    public final VirtioMmioTransport mmio;
    public final MmioNetDriver driver;
    /** Where tests build a frame to send: [12-byte header][Ethernet frame], room for 64 KiB. */
    public final MemorySegment out = arena.allocate(MmioNetDriver.HEADER + 70_000, 8);

    /**
     * @param subnet     the first three octets, e.g. {@code "10.199.20"}
     * @param options    more backend options, e.g. {@code ",queues=2"}
     * @param mtu        the device's MTU and the TAP's in the namespace
     * @param neighbour  whether the namespace gets a static neighbour entry for the guest (no ARP)
     */
    public TapDeviceRig(String subnet, String options, MmioNetDriver.Shape shape, int mtu, boolean neighbour) {
        ifname = "v4jv" + ProcessHandle.current().pid() % 100000 + "-" + COUNTER.incrementAndGet();
        nsIp = subnet + ".1";
        guestIp = subnet + ".2";
        backend = (TapNetBackend) NetBackends.open("tap:ifname=" + ifname + options);
        NetNs namespace = null;
        VirtioNetDevice dev = null;
        EventfdNotifier irq = null;
        try {
            namespace = NetNs.create();
            namespace.configure(ifname, nsIp + "/24");
            namespace.exec("ip", "link", "set", "dev", ifname, "txqueuelen", "10000", "mtu", String.valueOf(mtu));
            if (neighbour) {
                namespace.neighbour(guestIp, GUEST_MAC, ifname);
            }
            nsMac = Frames.mac(namespace.mac(ifname));
            memory = shape.allocate(arena);
            dev = new VirtioNetDevice(new NetDeviceConfig(MacAddress.parse(GUEST_MAC), mtu, shape.pairs(), shape.queueSize(), backend),
                    memory, EventfdNotifier::create);
            irq = EventfdNotifier.create();
            mmio = new VirtioMmioTransport(dev, irq, 0);
            driver = new MmioNetDriver(mmio, memory, shape, arena);
        } catch (RuntimeException | Error e) {
            closeAll(dev, irq, namespace);
            throw e;
        }
        ns = namespace;
        device = dev;
        interrupt = irq;
    }

    /** Starts the driver with {@code features} (those the device offers) and fills every receive ring. */
    public long start(VirtioFeature... features) {
        long negotiated = driver.start(Features.of(features));
        for (int p = 0; p < driver.pairs(); p++) {
            driver.fillReceiveRing(p);
        }
        return negotiated;
    }

    /** A UDP frame from the guest to the namespace in {@link #out} behind a zero header; returns header + frame length. */
    public int udpToNamespace(int port, int payload, long seq) {
        out.asSlice(0, MmioNetDriver.HEADER).fill((byte) 0);
        return MmioNetDriver.HEADER + Frames.udpFrame(out.asSlice(MmioNetDriver.HEADER), nsMac, Frames.mac(GUEST_MAC),
                Frames.ipv4(guestIp), Frames.ipv4(nsIp), 40000, port, payload, seq);
    }

    /** Sends the first {@code length} bytes of {@link #out} on {@code pair}, waiting for ring room; publishes. */
    public void send(int pair, int length) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!driver.send(pair, out.asSlice(0, length))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("transmit ring " + pair + " stayed full");
            }
            driver.flush(pair);
            LockSupport.parkNanos(20_000);
        }
        driver.flush(pair);
    }

    /** Receives on every pair into {@code sink} until {@code done} or {@code millis} pass. */
    public void receiveUntil(long millis, BooleanSupplier done, MmioNetDriver.FrameSink sink) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            int frames = 0;
            for (int p = 0; p < driver.pairs(); p++) {
                frames += driver.receive(p, sink);
            }
            if (frames == 0) {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    @Override
    public void close() {
        try {
            driver.reset();
        } finally {
            closeAll(device, interrupt, ns);
        }
    }

    private void closeAll(VirtioNetDevice dev, EventfdNotifier irq, NetNs namespace) {
        try {
            if (dev != null) {
                dev.close();
            }
        } finally {
            try {
                backend.close();
                if (irq != null) {
                    irq.close();
                }
            } finally {
                try {
                    if (namespace != null) {
                        namespace.close();
                    }
                } finally {
                    arena.close();
                }
            }
        }
    }
}
