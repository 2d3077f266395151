package io.virtio4j.vring.bench;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;
import io.virtio4j.vring.DriverQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * The ring layer's stages of the switch's frame path, each alone, in ns per frame:
 * <ul>
 * <li>{@code walk}: pop a burst of 32 TX-like chains (a 12-byte header and a frame, two readable
 *     descriptors): one avail idx read, every descriptor validated and translated;</li>
 * <li>{@code copy}: one frame guest to guest, a TX chain's readable bytes past the header into an
 *     RX chain's writable bytes past the header (the switch's one copy);</li>
 * <li>{@code publish}: return a popped burst of 32 on the used ring, publish once, ask whether to
 *     interrupt.</li>
 * </ul>
 * With {@code regions=2} the guest memory is split in two regions (as a VM's RAM below and above
 * 4 GiB): the rings live in the first, the TX and RX buffers in the second, so translation
 * alternates between regions; with 1 everything is in one region.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RingStagesBenchmark {
    static final int BURST = 32;
    static final int SIZE = 256;
    static final int HEADER = 12;
    static final long REGION = 1 << 20;

    /** A guest memory, a TX queue (driver and device side) and TX chains of {@code frame} bytes. */
    @State(Scope.Thread)
    public static class Guest {
        @Param({"1", "2"})
        public int regions;

        Arena arena;
        GuestMemory memory;
        DriverQueue driver;
        DeviceQueue device;
        long buffers;
        final DescriptorChain[] chains = new DescriptorChain[BURST];
        final int[] ids = new int[SIZE];
        final int[] lens = new int[SIZE];
        final long[] txAddr = new long[2];
        final int[] txLen = new int[2];
        final boolean[] txWritable = new boolean[2];
        int popped;

        void open(int frame) {
            arena = Arena.ofConfined();
            memory = regions == 1
                    ? GuestMemory.anonymous(arena, 0, 2 * REGION)
                    : GuestMemory.of(GuestRegion.of(0, arena.allocate(REGION, 4096)),
                            GuestRegion.of(REGION, arena.allocate(REGION, 4096)));
            buffers = REGION;
            QueueLayout layout = QueueLayout.contiguous(SIZE, 0x1000, true, false);
            driver = new DriverQueue(memory, layout);
            device = new DeviceQueue("bench", memory, layout);
            for (int i = 0; i < BURST; i++) {
                chains[i] = device.newChain();
            }
            txAddr[0] = buffers;
            txAddr[1] = buffers + 0x1000;
            txLen[0] = HEADER;
            txLen[1] = frame;
        }

        /** Returns what was popped and posts a fresh burst. */
        void refill() {
            for (int i = 0; i < popped; i++) {
                device.addUsed(chains[i], 0);
            }
            device.publish();
            popped = 0;
            driver.reclaim(ids, lens, SIZE);
            for (int i = 0; i < BURST; i++) {
                driver.add(txAddr, txLen, txWritable, 2);
            }
            driver.publish();
        }

        void close() {
            arena.close();
        }
    }

    /** A burst posted before each invocation (not measured), for the walk. */
    @State(Scope.Thread)
    public static class Posted extends Guest {
        @Setup(Level.Trial)
        public void setUp() {
            open(1500);
        }

        @Setup(Level.Invocation)
        public void post() {
            refill();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }
    }

    /** A burst posted and popped before each invocation (not measured), for the publish. */
    @State(Scope.Thread)
    public static class Popped extends Guest {
        @Setup(Level.Trial)
        public void setUp() {
            open(1500);
        }

        @Setup(Level.Invocation)
        public void postAndPop() {
            refill();
            popped = device.pop(chains, BURST);
            if (popped != BURST) {
                throw new IllegalStateException("popped " + popped);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }
    }

    /** One TX chain and one RX chain, popped once, copied between again and again. */
    @State(Scope.Thread)
    public static class Frames extends Guest {
        @Param({"64", "1518"})
        public int frame;

        DescriptorChain tx;
        DescriptorChain rx;
        final ChainCursor reader = new ChainCursor();
        final ChainCursor writer = new ChainCursor();

        @Setup(Level.Trial)
        public void setUp() {
            open(frame);
            tx = device.newChain();
            driver.add(txAddr, txLen, txWritable, 2);
            driver.publish();
            if (!device.popOne(tx)) {
                throw new IllegalStateException("no TX chain");
            }
            // A second queue over the same memory hands out an RX chain: header + 2048 bytes.
            QueueLayout rxLayout = QueueLayout.contiguous(SIZE, 0x8000, true, false);
            DriverQueue rxDriver = new DriverQueue(memory, rxLayout);
            DeviceQueue rxDevice = new DeviceQueue("bench-rx", memory, rxLayout);
            long rxBuffers = buffers + REGION / 2;
            rxDriver.add(new long[] {rxBuffers, rxBuffers + 0x1000}, new int[] {HEADER, 2048},
                    new boolean[] {true, true}, 2);
            rxDriver.publish();
            rx = rxDevice.newChain();
            if (!rxDevice.popOne(rx)) {
                throw new IllegalStateException("no RX chain");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int walk(Posted s) {
        s.popped = s.device.pop(s.chains, BURST);
        return s.popped;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public boolean publish(Popped s) {
        for (int i = 0; i < BURST; i++) {
            s.device.addUsed(s.chains[i], 64);
        }
        s.popped = 0;
        s.device.publish();
        return s.device.needsInterrupt();
    }

    /** Reset both cursors per frame, as the switch does: skip the headers, copy the frame. */
    @Benchmark
    public long copy(Frames s) {
        ChainCursor reader = s.reader.readable(s.memory, s.tx);
        ChainCursor writer = s.writer.writable(s.memory, s.rx);
        reader.skip(HEADER);
        writer.skip(HEADER);
        return reader.copyTo(writer, Long.MAX_VALUE);
    }
}
