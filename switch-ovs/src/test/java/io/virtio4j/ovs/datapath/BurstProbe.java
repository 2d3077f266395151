package io.virtio4j.ovs.datapath;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.port.VhostUserPort;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.status.CountersManager;

/**
 * The whole burst of the switch's data path with every cache line in one CPU's caches: what a
 * frame costs in instructions alone. Two vhost-user ports of the real switch (the executor, the
 * built-in pipeline, learned unicast on one VLAN), each with an in-process guest attached over its
 * real socket; this one thread is both guests' driver and the PMD: it queues a burst of 64-byte
 * frames on guest a's TX ring, times {@link FrameExecutor#poll} of port a alone (pop, touch,
 * classify, route, copy into guest b's RX ring, publish, release), then lets guest b take its
 * frames and guest a reclaim its buffers, untimed. The guests ask for no interrupts and send no
 * kicks, as DPDK's virtio PMD in the switch benchmark.
 *
 * <p>Set beside the busy time per frame that {@code bench/switch-compare.sh} measures (the front-end
 * on the other CPU, every ring and buffer line crossing between the two), the difference is what
 * the crossing costs. Run by {@code bench/burst-probe.sh}; it prints the ns per frame of each
 * one-second-or-so round after the JIT's warm-up, their median and best.
 *
 * <p>Arguments: {@code split} or {@code packed} (the guests' rings), then optionally the rounds
 * to measure (default 30).
 */
public final class BurstProbe {
    private static final int BURST = 32;
    private static final int QUEUE_SIZE = 1024;
    private static final int WARM_UP_ROUNDS = 10;
    private static final int BURSTS_PER_ROUND = 25_000;

    private BurstProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("split") || args[0].equals("packed"))) {
            System.err.println("usage: BurstProbe split|packed [ROUNDS]");
            System.exit(2);
        }
        boolean packed = args[0].equals("packed");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path dir = Files.createTempDirectory("burst-probe");
        List<PortSpec> specs = List.of(
                PortSpec.access("a", PortType.VHOST_USER_SERVER, dir.resolve("a.sock").toString(), 10),
                PortSpec.access("b", PortType.VHOST_USER_SERVER, dir.resolve("b.sock").toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, specs, List.of(), List.of(), List.of());
        CountersManager manager = VirtualSwitch.inMemoryCounters(512);
        try (VhostUserPort pa = VhostUserPort.open(specs.get(0));
             VhostUserPort pb = VhostUserPort.open(specs.get(1));
             GuestNic a = packed ? GuestNic.packed(QUEUE_SIZE, 1) : new GuestNic(QUEUE_SIZE, 1);
             GuestNic b = packed ? GuestNic.packed(QUEUE_SIZE, 1) : new GuestNic(QUEUE_SIZE, 1);
             VhostUserFrontend fa = VhostUserFrontend.connect(dir.resolve("a.sock"), Duration.ofSeconds(5));
             VhostUserFrontend fb = VhostUserFrontend.connect(dir.resolve("b.sock"), Duration.ofSeconds(5));
             PortCounters ca = new PortCounters(manager, "a");
             PortCounters cb = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            a.attach(fa);
            b.attach(fb);
            for (int q = 0; q < 2; q++) {
                a.queue(q).enableInterrupts(false);
                b.queue(q).enableInterrupts(false);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!pa.connected() || !pb.connected()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ports never connected");
                }
                Thread.sleep(5);
            }
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {pa, pb}, specs.toArray(PortSpec[]::new),
                    new PortCounters[] {ca, cb}, new OvsPipeline(spec, System.nanoTime()), drops, new CaptureHooks());
            byte[] fromA = frame(0x0a, 0x02);
            // One frame from b first: the switch learns b's MAC on b, so a's frames are unicast to b.
            b.transmit(frame(0x02, 0x0a));
            b.queue(1).publish();
            executor.poll(1, System.nanoTime());
            b.reclaimTx();
            a.receive((segment, length) -> { });
            double[] perFrame = new double[rounds];
            for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
                long frames = 0;
                long nanos = 0;
                for (int i = 0; i < BURSTS_PER_ROUND; i++) {
                    for (int f = 0; f < BURST; f++) {
                        a.transmit(fromA);
                    }
                    a.queue(1).publish();
                    long start = System.nanoTime();
                    frames += executor.poll(0, start);
                    nanos += System.nanoTime() - start;
                    a.reclaimTx();
                    if (b.receive((segment, length) -> { }) != BURST) {
                        throw new IllegalStateException("guest b did not receive the whole burst");
                    }
                }
                if (round >= 0) {
                    perFrame[round] = (double) nanos / frames;
                    System.out.printf("round %d: %.1f ns per frame%n", round, perFrame[round]);
                }
            }
            Arrays.sort(perFrame);
            System.out.printf("%s rings, 64-byte frames, bursts of %d: median %.1f, best %.1f ns per frame (%d rounds)%n",
                    args[0], BURST, perFrame[rounds / 2], perFrame[0], rounds);
        } finally {
            Files.deleteIfExists(dir.resolve("a.sock"));
            Files.deleteIfExists(dir.resolve("b.sock"));
            Files.deleteIfExists(dir);
        }
    }

    /** A 64-byte frame to 02:00:00:00:00:{@code dst} from 02:00:00:00:00:{@code src}. */
    private static byte[] frame(int dst, int src) {
        byte[] f = GuestNic.frame(64, dst);
        Arrays.fill(f, 0, 12, (byte) 0);
        f[0] = 0x02;
        f[5] = (byte) dst;
        f[6] = 0x02;
        f[11] = (byte) src;
        return f;
    }
}
