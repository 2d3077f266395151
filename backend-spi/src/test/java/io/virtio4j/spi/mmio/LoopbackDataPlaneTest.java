package io.virtio4j.spi.mmio;

import io.virtio4j.spi.testing.LinuxMmioDriver;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.spi.testing.OnePairBackend;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DriverQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.virtio4j.api.feature.VirtioFeature.*;
import static io.virtio4j.spi.mmio.MmioRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Proves the hand-over is usable: a backend that maps the queues it is given and loops tx0 back
 * to rx0 moves a frame from the guest's transmit ring to its receive ring, with the kick arriving
 * through QueueNotify and the interrupt leaving through InterruptStatus.
 */
class LoopbackDataPlaneTest {

    /** Loops each transmitted chain into the next receive chain, one pump per kick. */
    static final class LoopbackBackend extends OnePairBackend {
        DescriptorChain rxChain;
        DescriptorChain txChain;

        @Override
        public String name() {
            return "loopback";
        }

        @Override
        public long supportedFeatures() {
            return Features.of(RING_EVENT_IDX, NET_MRG_RXBUF, RING_PACKED);
        }

        @Override
        public void start(NetDataPlane p) {
            super.start(p);
            rxChain = rx.newChain();
            txChain = tx.newChain();
        }

        /** Serves the tx kick: returns frames looped. */
        int pump() {
            if (plane.queues().get(1).kick().consume() == 0) {
                return 0;
            }
            int frames = 0;
            while (tx.popOne(txChain)) {
                if (!rx.popOne(rxChain)) {
                    tx.addUsed(txChain, 0);
                    break;
                }
                long n = copier.copyChain(plane.memory(), txChain, 0, rxChain, 0);
                rx.addUsed(rxChain, n);
                tx.addUsed(txChain, 0);
                frames++;
            }
            tx.publish();
            rx.publish();
            if (rx.needsInterrupt()) {
                plane.queues().get(0).call().signal();
            }
            if (tx.needsInterrupt()) {
                plane.queues().get(1).call().signal();
            }
            return frames;
        }
    }

    /**
     * Split rings, and (issue 14) packed rings: the device model and the backend see one queue
     * type. A packed ring's size need not be a power of two (spec 2.8): 100 descriptors here.
     */
    @ParameterizedTest(name = "packed={0} size={1}")
    @CsvSource({"false, 64", "true, 64", "true, 100"})
    void aFrameTransmittedByTheGuestComesBackOnItsReceiveRing(boolean packed, int size) {
        try (Arena arena = Arena.ofConfined()) {
            GuestMemory memory = GuestMemory.anonymous(arena, 0, 0x80000);
            LoopbackBackend backend = new LoopbackBackend();
            InMemoryNotifier irq = new InMemoryNotifier();
            try (VirtioNetDevice device = new VirtioNetDevice(
                    new NetDeviceConfig(MacAddress.parse("52:54:00:00:00:01"), 1500, 1, 256, backend),
                    memory, InMemoryNotifier::new)) {
                VirtioMmioTransport mmio = new VirtioMmioTransport(device, irq, 0);
                LinuxMmioDriver driver = new LinuxMmioDriver(mmio, memory);
                assertTrue(RING_PACKED.in(driver.probe()), "offered: the backend supports it");
                long ring = packed ? RING_PACKED.mask() : 0;
                assertTrue(driver.negotiate(Features.of(VERSION_1, RING_EVENT_IDX, NET_MRG_RXBUF) | ring));
                DriverQueue rx = driver.setupQueue(0, size, true, packed);
                DriverQueue tx = driver.setupQueue(1, size, true, packed);
                assertEquals(0, mmio.badAccesses(BadAccess.BAD_QUEUE_SIZE), "a size the ring kind allows");
                assertEquals(size, device.queue(0).size());
                driver.driverOk();
                rx.enableInterrupts(true);

                long rxBuf = 0x40000;
                long txBuf = 0x50000;
                rx.add(new long[] {rxBuf}, new int[] {2048}, new boolean[] {true}, 1);
                rx.publish();
                byte[] frame = new byte[12 + 64];
                for (int i = 12; i < frame.length; i++) {
                    frame[i] = (byte) (i * 7);
                }
                memory.write(txBuf, MemorySegment.ofArray(frame), 0, frame.length);
                tx.add(new long[] {txBuf}, new int[] {frame.length}, new boolean[] {false}, 1);
                tx.publish();
                assertTrue(tx.shouldKick());
                mmio.write(QUEUE_NOTIFY, 4, 1);

                assertEquals(1, backend.pump());

                int[] ids = new int[1];
                int[] lens = new int[1];
                assertEquals(1, rx.reclaim(ids, lens, 1));
                assertEquals(frame.length, lens[0]);
                byte[] got = new byte[frame.length];
                memory.read(rxBuf, MemorySegment.ofArray(got), 0, got.length);
                assertArrayEquals(frame, got);
                assertEquals(INT_USED_BUFFER, mmio.read(INTERRUPT_STATUS, 4));
                assertTrue(irq.consume() >= 1);
                assertEquals(0, memory.slice(rxBuf + 12 + 64, 1).get(ValueLayout.JAVA_BYTE, 0), "nothing past the frame");

                mmio.write(STATUS, 4, 0);
                // Split: avail index 1. Packed: slot 1 in the first lap, wrap counter 1 in bit 15.
                int at = packed ? 0x8001 : 1;
                assertArrayEquals(new int[] {at, at}, device.lastStoppedAvailIdx(), "stop reports where each queue stopped");
            }
        }
    }

    /** With split rings negotiated a size that is no power of two is refused; with packed rings it is taken. */
    @ParameterizedTest(name = "packed={0}")
    @CsvSource({"false", "true"})
    void aQueueSizeThatIsNoPowerOfTwoIsTakenOnlyForAPackedRing(boolean packed) {
        try (Arena arena = Arena.ofConfined()) {
            GuestMemory memory = GuestMemory.anonymous(arena, 0, 0x80000);
            try (VirtioNetDevice device = new VirtioNetDevice(
                    new NetDeviceConfig(MacAddress.parse("52:54:00:00:00:01"), 1500, 1, 256, new LoopbackBackend()),
                    memory, InMemoryNotifier::new)) {
                VirtioMmioTransport mmio = new VirtioMmioTransport(device, new InMemoryNotifier(), 0);
                LinuxMmioDriver driver = new LinuxMmioDriver(mmio, memory);
                driver.probe();
                assertTrue(driver.negotiate(Features.of(VERSION_1) | (packed ? RING_PACKED.mask() : 0)));
                mmio.write(QUEUE_SEL, 4, 0);
                mmio.write(QUEUE_NUM, 4, 100);
                assertEquals(packed ? 0 : 1, mmio.badAccesses(BadAccess.BAD_QUEUE_SIZE));
                assertEquals(packed ? 100 : 256, device.queue(0).size());
                mmio.write(QUEUE_NUM, 4, 257);
                mmio.write(QUEUE_NUM, 4, 0);
                assertEquals(packed ? 2 : 3, mmio.badAccesses(BadAccess.BAD_QUEUE_SIZE), "above the maximum, or 0: refused either way");
            }
        }
    }
}
