package io.virtio4j.vring.bench;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
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
 * Device side cost per chain: pop a burst of 32, add each to the used ring, publish once, ask
 * whether to interrupt; split and packed rings. The driver refills (and reclaims) outside the measured region.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DeviceQueueBenchmark {
    private static final int BURST = 32;
    private static final int SIZE = 256;

    @Param({"1", "2"})
    public int descriptors;

    @Param({"false", "true"})
    public boolean eventIdx;

    /** Split (spec 2.7) or packed (spec 2.8) rings. */
    @Param({"false", "true"})
    public boolean packed;

    private Arena arena;
    private DriverQueue driver;
    private DeviceQueue device;
    private final DescriptorChain[] chains = new DescriptorChain[BURST];
    private final long[] addr = new long[2];
    private final int[] len = {12, 1500};
    private final boolean[] writable = new boolean[2];
    private final int[] ids = new int[SIZE];
    private final int[] lens = new int[SIZE];

    @Setup(Level.Trial)
    public void open() {
        arena = Arena.ofConfined();
        GuestMemory memory = GuestMemory.anonymous(arena, 0, 1 << 20);
        QueueLayout layout = packed ? QueueLayout.packed(SIZE, 0x1000, eventIdx, false)
                : QueueLayout.contiguous(SIZE, 0x1000, eventIdx, false);
        driver = new DriverQueue(memory, layout);
        device = new DeviceQueue("bench", memory, layout);
        for (int i = 0; i < BURST; i++) {
            chains[i] = device.newChain();
        }
        addr[0] = 0x10000;
        addr[1] = 0x20000;
        // Receive-like chains: a header (and a payload buffer) for the device to write.
        writable[0] = true;
        writable[1] = true;
    }

    @Setup(Level.Invocation)
    public void refill() {
        driver.reclaim(ids, lens, SIZE);
        for (int i = 0; i < BURST; i++) {
            driver.add(addr, len, writable, descriptors);
        }
        driver.publish();
        driver.enableInterrupts(true);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public boolean popAddUsedPublish() {
        int n = device.pop(chains, BURST);
        for (int i = 0; i < n; i++) {
            device.addUsed(chains[i], 64);
        }
        device.publish();
        return device.needsInterrupt();
    }

    @TearDown(Level.Trial)
    public void close() {
        arena.close();
    }
}
