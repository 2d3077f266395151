package io.virtio4j.spi.testing;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.vring.DescriptorChain;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.virtio4j.api.feature.VirtioFeature.NET_MRG_RXBUF;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test driver itself: what it sends arrives as chains of transmit buffers, and what a device
 * spreads over several receive buffers comes back as one frame only when num_buffers says so;
 * a device that lies is counted, not believed.
 */
class MmioNetDriverTest {
    private static final MmioNetDriver.Shape SHAPE = new MmioNetDriver.Shape(1, 16, 64, 100);

    /** Writes frames into the receive ring as told: a given number of bytes per chain and a given num_buffers. */
    static final class ScriptedBackend extends OnePairBackend {
        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public long supportedFeatures() {
            return Features.of(NET_MRG_RXBUF);
        }

        /** Puts {@code frame} (header included) into consecutive chains of {@code perChain} bytes, num_buffers set to {@code announced}. */
        void deliver(byte[] frame, int perChain, int announced) {
            byte[] copy = frame.clone();
            copy[10] = (byte) announced;
            copy[11] = (byte) (announced >>> 8);
            MemorySegment source = MemorySegment.ofArray(copy);
            DescriptorChain chain = rx.newChain();
            for (int offset = 0; offset < copy.length; offset += perChain) {
                if (!rx.popOne(chain)) {
                    throw new AssertionError("no receive chain");
                }
                int n = Math.min(perChain, copy.length - offset);
                copier.writeWritable(chain, source, offset, n);
                rx.addUsed(chain, n);
            }
            rx.publish();
        }

        /** Returns every transmitted chain's readable bytes. */
        List<byte[]> transmitted() {
            List<byte[]> frames = new ArrayList<>();
            DescriptorChain c = tx.newChain();
            while (tx.popOne(c)) {
                MemorySegment bytes = MemorySegment.ofArray(new byte[(int) c.readableBytes()]);
                copier.copyReadable(c, bytes, 0, bytes.byteSize());
                frames.add(bytes.toArray(ValueLayout.JAVA_BYTE));
                tx.addUsed(c, 0);
            }
            tx.publish();
            return frames;
        }
    }

    /** A virtio-net device on a {@link ScriptedBackend} and the driver over its MMIO transport, not started. */
    private static final class Rig implements AutoCloseable {
        final Arena arena = Arena.ofShared();
        final GuestMemory memory = SHAPE.allocate(arena);
        final ScriptedBackend backend = new ScriptedBackend();
        final VirtioNetDevice device = new VirtioNetDevice(
                new NetDeviceConfig(MacAddress.parse("52:54:00:00:00:09"), 1500, 1, 16, backend), memory, InMemoryNotifier::new);
        final MmioNetDriver driver = new MmioNetDriver(new VirtioMmioTransport(device, new InMemoryNotifier(), 0), memory, SHAPE, arena);

        /** Starts the driver with VERSION_1 + MRG_RXBUF and fills its receive ring. */
        Rig started() {
            driver.start(Features.of(VERSION_1, NET_MRG_RXBUF));
            driver.fillReceiveRing(0);
            return this;
        }

        @Override
        public void close() {
            try {
                device.close();
            } finally {
                arena.close();
            }
        }
    }

    private static byte[] frame(int length) {
        byte[] f = new byte[length];
        for (int i = 12; i < length; i++) {
            f[i] = (byte) (i * 13);
        }
        return f;
    }

    @Test
    void framesGoOutAsBufferChainsAndMergeableOnesComeBackWholeWhileLiesAreCounted() {
        try (Rig rig = new Rig()) {
            MmioNetDriver driver = rig.driver;
            ScriptedBackend backend = rig.backend;
            assertEquals(Features.of(VERSION_1, NET_MRG_RXBUF), driver.start(Features.of(VERSION_1, NET_MRG_RXBUF)));
            driver.fillReceiveRing(0);

            // 250 bytes over 100-byte transmit buffers: one chain of three descriptors.
            byte[] out = frame(250);
            driver.send(0, MemorySegment.ofArray(out));
            driver.flush(0);
            List<byte[]> sent = backend.transmitted();
            assertEquals(1, sent.size());
            assertArrayEquals(out, sent.get(0));
            assertEquals(1, driver.reclaimTransmitted(0));

            List<byte[]> received = new ArrayList<>();
            List<Integer> buffers = new ArrayList<>();
            MmioNetDriver.FrameSink sink = (pair, f, n) -> {
                received.add(f.toArray(ValueLayout.JAVA_BYTE));
                buffers.add(n);
            };
            byte[] in = frame(150);
            backend.deliver(in, 64, 3);
            assertEquals(1, driver.receive(0, sink), "three buffers, one frame");
            in[10] = 3;
            assertArrayEquals(in, received.get(0));
            assertEquals(List.of(3), buffers);

            // A device announcing 0 buffers is not believed; the frame is counted and dropped.
            backend.deliver(frame(40), 64, 0);
            assertEquals(0, driver.receive(0, sink));
            assertEquals(1, driver.badFrames());
            byte[] small = frame(40);
            backend.deliver(small, 64, 1);
            assertEquals(1, driver.receive(0, sink), "the ring still works after a bad frame");
            assertEquals(40, received.get(1).length);
            assertEquals(1, MemorySegment.ofArray(received.get(1)).get(
                    ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10));
            assertEquals(0, driver.refusedBuffers());
        }
    }

    @Test
    void aSinkThatReclaimsAndTransmitsGetsEveryFrameOnceAndIntact() {
        try (Rig rig = new Rig().started()) {
            MmioNetDriver driver = rig.driver;
            ScriptedBackend backend = rig.backend;
            // Transmit chains the device has used and the driver not yet reclaimed.
            for (int i = 0; i < 4; i++) {
                driver.send(0, MemorySegment.ofArray(frame(30 + i)));
            }
            driver.flush(0);
            assertEquals(4, backend.transmitted().size());

            for (int round = 0; round < 3; round++) {
                List<byte[]> delivered = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    byte[] f = frame(40 + 4 * round + i);
                    f[10] = 1;
                    delivered.add(f);
                    backend.deliver(f, 64, 1);
                }
                List<byte[]> received = new ArrayList<>();
                int[] reclaimed = new int[1];
                // An echo responder: reclaim, answer, publish, all from inside the sink.
                int n = driver.receive(0, (pair, f, buffers) -> {
                    received.add(f.toArray(ValueLayout.JAVA_BYTE));
                    reclaimed[0] += driver.reclaimTransmitted(pair);
                    assertTrue(driver.send(pair, f));
                    driver.flush(pair);
                });
                assertEquals(4, n, "round " + round);
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(delivered.get(i), received.get(i), "round " + round + " frame " + i);
                }
                assertEquals(4, reclaimed[0], "the previous burst's transmit chains came back once");
                List<byte[]> echoed = backend.transmitted();
                assertEquals(4, echoed.size());
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(delivered.get(i), echoed.get(i), "echo of round " + round + " frame " + i);
                }
            }
            assertEquals(0, driver.refusedBuffers());
            assertEquals(0, driver.badFrames());
        }
    }

    @Test
    void receivingOnThePairFromInsideItsOwnSinkIsRefused() {
        try (Rig rig = new Rig().started()) {
            MmioNetDriver driver = rig.driver;
            ScriptedBackend backend = rig.backend;
            backend.deliver(frame(40), 64, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> driver.receive(0, (pair, f, buffers) -> driver.receive(pair, (p, g, b) -> { })));
            assertTrue(e.getMessage().contains("inside its own frame sink"), e.getMessage());
        }
    }
}
