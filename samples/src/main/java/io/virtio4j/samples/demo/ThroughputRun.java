package io.virtio4j.samples.demo;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjIntConsumer;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * Guest pairs blasting sequenced frames through the switch, each guest on its own thread as a
 * vCPU would run it: the sender keeps at most {@link #WINDOW} frames in flight (under the
 * receiver's RX ring, so the switch never finds it full and nothing is dropped by design), the
 * receiver checks every frame's sequence number, source and length. Progress is printed once a
 * second as its own line (a log, a pipe) or redrawn in place twice a second (a terminal). Besides
 * the whole run's average, the result has the steady rate after the JIT's warm-up: the first
 * second (half the run when it is shorter than two seconds) runs partly interpreted.
 */
public final class ThroughputRun {
    /** Frames a sender has in flight at most: half a 256-entry RX ring. */
    static final int WINDOW = 128;
    /** Frames a sender queues per kick. */
    static final int BURST = 32;

    /** One direction: {@code sender}'s frames to {@code receiver}. */
    public record Pair(String name, GuestNic sender, GuestNic receiver, byte[] template) {
    }

    /** What the run measured. */
    public record Result(long frames, long bytes, long sequenceErrors, long foreignFrames, long lost, double seconds,
                         long steadyFrames, long steadyBytes, double steadySeconds, double warmUpSeconds) {
        public double mpps() {
            return frames / seconds / 1e6;
        }

        public double gbits() {
            return bytes * 8 / seconds / 1e9;
        }

        /** Frames per second after the warm-up, in millions. */
        public double steadyMpps() {
            return steadySeconds <= 0 ? 0 : steadyFrames / steadySeconds / 1e6;
        }

        /** Gbit/s after the warm-up. */
        public double steadyGbits() {
            return steadySeconds <= 0 ? 0 : steadyBytes * 8 / steadySeconds / 1e9;
        }
    }

    private final List<Flow> flows;
    private volatile boolean sending = true;
    private volatile boolean receiving = true;

    public ThroughputRun(List<Pair> pairs) {
        this.flows = pairs.stream().map(Flow::new).toList();
    }

    /** Frames received so far, over every pair. */
    public long framesReceived() {
        return flows.stream().mapToLong(f -> f.received.get()).sum();
    }

    /** Runs for {@code seconds}, printing progress lines to {@code out} as for a log (one per second). */
    public Result run(int seconds, PrintStream out) throws InterruptedException {
        return run(seconds, out, false);
    }

    /**
     * Runs for {@code seconds}, printing progress to {@code out}: on a {@code terminal} one line
     * redrawn every half second, otherwise one line per second, each ending in a newline.
     */
    public Result run(int seconds, PrintStream out, boolean terminal) throws InterruptedException {
        List<Thread> senders = new java.util.ArrayList<>();
        List<Thread> receivers = new java.util.ArrayList<>();
        for (Flow f : flows) {
            senders.add(Thread.ofPlatform().name("guest-tx-" + f.pair.name()).start(f::send));
            receivers.add(Thread.ofPlatform().name("guest-rx-" + f.pair.name()).start(f::receive));
        }
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long lastFrames = 0;
        long lastTime = start;
        long warmUp = Math.min(1_000_000_000L, seconds * 500_000_000L);
        long warmUpEnd = start + warmUp;
        long warmUpFrames = -1;
        long steadyEnd = end;
        long steadyEndFrames = -1;
        long period = terminal ? 500 : 1000;
        try {
            while (end - System.nanoTime() > 50_000_000L) {
                long nextWake = Math.min(lastTime + period * 1_000_000L, end);
                if (warmUpFrames < 0) {
                    nextWake = Math.min(nextWake, warmUpEnd);
                }
                Thread.sleep(Math.max(1, (nextWake - System.nanoTime()) / 1_000_000));
                long now = System.nanoTime();
                long frames = framesReceived();
                if (warmUpFrames < 0 && now - warmUpEnd >= 0) {
                    warmUpFrames = frames;
                    warmUpEnd = now;
                }
                if (now - lastTime < period * 1_000_000L * 9 / 10 && end - now > 50_000_000L) {
                    continue;
                }
                double interval = (now - lastTime) / 1e9;
                out.printf((terminal ? "\r" : "") + "  %4.1f s  %6.3f Mpps  %6.3f Gbit/s  %,d frames, %d sequence errors"
                        + (terminal ? "   " : "%n"), (now - start) / 1e9, (frames - lastFrames) / interval / 1e6,
                        (frames - lastFrames) * (double) flows.getFirst().pair.template().length * 8 / interval / 1e9,
                        frames, sequenceErrors());
                out.flush();
                lastFrames = frames;
                lastTime = now;
            }
        } finally {
            steadyEnd = System.nanoTime();
            steadyEndFrames = framesReceived();
            sending = false;
            // A sender may still be inside its last burst: wait for every sender to finish, so the
            // counts below are final, then let the receivers take what is in flight, then stop them.
            for (Thread t : senders) {
                t.join();
            }
            long drain = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < drain && flows.stream().anyMatch(f -> f.received.get() < f.sent.get())) {
                Thread.sleep(1);
            }
            receiving = false;
            for (Thread t : receivers) {
                t.join();
            }
        }
        if (terminal) {
            out.println();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long frames = 0;
        long bytes = 0;
        long foreign = 0;
        long lost = 0;
        for (Flow f : flows) {
            frames += f.received.get();
            bytes += f.received.get() * f.pair.template().length;
            foreign += f.foreign;
            lost += f.sent.get() - f.received.get();
        }
        // Steady: from the end of the warm-up until the senders stopped (the drain after it moves no new frames).
        long frameBytes = flows.getFirst().pair.template().length;
        long steadyFrames = warmUpFrames < 0 ? 0 : steadyEndFrames - warmUpFrames;
        double steadySeconds = warmUpFrames < 0 ? 0 : (steadyEnd - warmUpEnd) / 1e9;
        return new Result(frames, bytes, sequenceErrors(), foreign, lost, elapsed, steadyFrames, steadyFrames * frameBytes,
                steadySeconds, warmUp / 1e9);
    }

    /**
     * Spin, then yield, then park up to 50 us while a guest thread finds nothing to do: four guest
     * threads and the switch's PMD share few cores, and a guest that only yields takes the PMD's time.
     */
    private static IdleStrategy idleStrategy() {
        return new BackoffIdleStrategy(100, 10, 1_000, 50_000);
    }

    private long sequenceErrors() {
        return flows.stream().mapToLong(f -> f.errors).sum();
    }

    /** One pair's state: the sender's and receiver's counts, the receiver's checks. */
    private final class Flow implements ObjIntConsumer<MemorySegment> {
        final Pair pair;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        private final long sourceMac;
        private long expected;
        volatile long errors;
        volatile long foreign;

        Flow(Pair pair) {
            this.pair = pair;
            this.sourceMac = NetworkOrder.mac(MemorySegment.ofArray(pair.template()), Ethernet.SOURCE);
        }

        void send() {
            IdleStrategy idle = idleStrategy();
            GuestNic nic = pair.sender();
            byte[] frame = pair.template();
            long seq = 0;
            while (sending) {
                nic.reclaimTx();
                int queued = 0;
                while (queued < BURST && seq - received.get() < WINDOW) {
                    SequencedFrames.stamp(frame, seq);
                    // transmit copies the array into the guest's TX buffer: no allocation per frame.
                    if (!nic.transmit(frame)) {
                        break;
                    }
                    seq++;
                    queued++;
                }
                if (queued > 0) {
                    sent.set(seq);
                    nic.kickTx();
                }
                idle.idle(queued);
            }
        }

        void receive() {
            IdleStrategy idle = idleStrategy();
            GuestNic nic = pair.receiver();
            while (receiving) {
                idle.idle(nic.receive(this));
            }
        }

        /** One received buffer: header + frame, {@code used} bytes. */
        @Override
        public void accept(MemorySegment buffer, int used) {
            int length = used - GuestNic.HDR;
            if (length < Ethernet.HEADER_LENGTH) {
                errors++;
                return;
            }
            MemorySegment frame = buffer.asSlice(GuestNic.HDR, length);
            // In bounds: length >= 14 was checked above.
            if (NetworkOrder.mac(frame, Ethernet.SOURCE) != sourceMac) {
                foreign++;
                return;
            }
            long seq = length == pair.template().length ? SequencedFrames.sequence(frame, length) : -1;
            if (seq != expected) {
                errors++;
            }
            if (seq >= 0) {
                expected = seq + 1;
            }
            received.lazySet(received.get() + 1);
        }
    }
}
