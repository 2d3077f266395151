package io.virtio4j.tap.bench;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.spi.testing.MmioNetDriver;
import io.virtio4j.tap.testing.Frames;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * Our side of bench/tap-bench.sh (not a test): a virtio-net device with the {@code tap:} backend,
 * driven through virtio-mmio by the in-process driver, either transmitting 64-byte UDP frames
 * as fast as the ring takes them ({@code tx}) or receiving whatever the TAP gets ({@code rx}),
 * for a number of seconds. The script counts frames at the TAP (its own counters), the same way
 * for DPDK's net_tap, so neither side reports its own figure.
 *
 * <p>Usage: {@code TapBenchGuest tx|rx IFNAME SECONDS}. Prints "READY" once the TAP is up and
 * the rings are live.
 */
public final class TapBenchGuest {
    private static final int FRAME = 64;
    private static final int BURST = 32;

    private TapBenchGuest() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !(args[0].equals("tx") || args[0].equals("rx"))) {
            System.err.println("usage: TapBenchGuest tx|rx IFNAME SECONDS");
            System.exit(2);
        }
        boolean transmit = args[0].equals("tx");
        String ifname = args[1];
        long end = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        MmioNetDriver.Shape shape = new MmioNetDriver.Shape(1, 256, 2048, 2048);
        try (Arena arena = Arena.ofShared();
             NetBackend backend = NetBackends.open("tap:ifname=" + ifname);
             EventfdNotifier interrupt = EventfdNotifier.create()) {
            GuestMemory memory = shape.allocate(arena);
            try (VirtioNetDevice device = new VirtioNetDevice(
                    new NetDeviceConfig(MacAddress.parse("52:54:00:be:ec:01"), 1500, 1, 256, backend), memory, EventfdNotifier::create)) {
                MmioNetDriver driver = new MmioNetDriver(new VirtioMmioTransport(device, interrupt, 0), memory, shape, arena);
                driver.start(Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX, VirtioFeature.NET_MRG_RXBUF));
                driver.fillReceiveRing(0);
                run("ip", "link", "set", "dev", ifname, "up");
                System.out.println("READY");
                long frames = transmit ? transmit(driver, arena, end) : receive(driver, end);
                System.out.println((transmit ? "sent" : "received") + "=" + frames);
                driver.reset();
            }
        }
    }

    /** Keeps the transmit ring full of 64-byte UDP frames. */
    private static long transmit(MmioNetDriver driver, Arena arena, long end) {
        MemorySegment frame = arena.allocate(MmioNetDriver.HEADER + FRAME, 8);
        // To a MAC nobody has: the kernel drops it on arrival (PACKET_OTHERHOST), as testpmd txonly's frames.
        Frames.udpFrame(frame.asSlice(MmioNetDriver.HEADER), Frames.mac("02:00:00:00:00:02"), Frames.mac("52:54:00:be:ec:01"),
                Frames.ipv4("198.18.0.1"), Frames.ipv4("198.18.0.2"), 9, 9, FRAME - Frames.L4 - Frames.UDP, 0);
        long sent = 0;
        while (System.nanoTime() < end) {
            int queued = 0;
            while (queued < BURST && driver.send(0, frame)) {
                queued++;
            }
            if (queued > 0) {
                driver.flush(0);
                sent += queued;
            } else {
                LockSupport.parkNanos(10_000); // ring full: let the worker (maybe on this core) run
            }
        }
        return sent;
    }

    private static long receive(MmioNetDriver driver, long end) {
        long received = 0;
        while (System.nanoTime() < end) {
            int n = driver.receive(0, (pair, f, buffers) -> { });
            received += n;
            if (n == 0) {
                LockSupport.parkNanos(10_000);
            }
        }
        return received;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }
}
