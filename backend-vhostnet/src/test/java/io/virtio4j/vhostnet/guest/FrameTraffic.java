package io.virtio4j.vhostnet.guest;

import static io.virtio4j.vhostnet.guest.GuestPair.BUFFER;
import static io.virtio4j.vhostnet.guest.GuestPair.RING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import io.virtio4j.api.memory.GuestMemory;

/**
 * Frames through the rings the kernel serves, checked on the other side of the TAP (an
 * AF_PACKET socket): transmit (guest TX rings -> TAP -> socket), receive (socket -> TAP -> guest
 * RX rings), and a hostile transmit chain. Counts go into the result map under a prefix.
 */
final class FrameTraffic implements AutoCloseable {
    static final int HEADER = 12;
    private static final int BURST = 32;
    private static final long PHASE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final GuestMemory memory;
    private final GuestPair[] pairs;
    private final PacketSocket socket;
    private final Map<String, Object> result;
    private final String prefix;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment frame = arena.allocate(BUFFER);
    private final MemorySegment scratch = arena.allocate(BUFFER);
    private final MemorySegment staging = arena.allocate(HEADER + BUFFER);
    private final int[] ids = new int[RING];
    private final int[] lens = new int[RING];

    FrameTraffic(GuestMemory memory, GuestPair[] pairs, PacketSocket socket, Map<String, Object> result, String prefix) {
        this.memory = memory;
        this.pairs = pairs;
        this.socket = socket;
        this.result = result;
        this.prefix = prefix;
    }

    /** Writes {@code frames} frames into the TX rings, round robin, and reads them from the socket. */
    void transmit(int frames) {
        int queued = 0;
        int matched = 0;
        int bad = 0;
        int used = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + PHASE_NANOS;
        staging.asSlice(0, HEADER).fill((byte) 0);
        while ((matched + bad < frames || used < frames) && System.nanoTime() < deadline) {
            int progress = 0;
            // At most a burst in flight past the socket: under TCG the check reads slower than the
            // kernel worker writes, and a full AF_PACKET receive buffer drops frames silently.
            while (queued < frames && progress < BURST && queued - (matched + bad) < BURST
                    && pairs[queued % pairs.length].tx.freeCount() > 0) {
                GuestPair g = pairs[queued % pairs.length];
                int length = TestFrames.length(queued);
                // A zero virtio-net header (no offload), then the frame.
                TestFrames.fill(staging.asSlice(HEADER), queued);
                // Slot = this pair's chain count mod RING: the worker completes TX chains in order,
                // so a slot is reused only after its chain came back.
                long address = g.txBuffers + (long) (g.txQueued++ % RING) * BUFFER;
                memory.write(address, staging, 0, HEADER + length);
                g.tx.add(new long[] {address}, new int[] {HEADER + length}, new boolean[] {false}, 1);
                queued++;
                progress++;
            }
            if (progress > 0) {
                for (GuestPair g : pairs) {
                    g.publishTransmit();
                }
            }
            int n;
            while ((n = socket.receive(frame)) >= 0) {
                progress++;
                if (TestFrames.matches(frame, n, scratch)) {
                    matched++;
                    bytes += n;
                } else {
                    bad++;
                }
            }
            for (GuestPair g : pairs) {
                int reclaimed = g.tx.reclaim(ids, lens, RING);
                g.txUsed += reclaimed;
                used += reclaimed;
                progress += reclaimed;
                g.tx.enableInterrupts(true);
            }
            idle(progress);
        }
        put("txSent", queued);
        put("txMatched", matched);
        put("txBad", bad);
        put("txBytes", bytes);
        put("txUsed", used);
        put("txUsedPerPair", join(Arrays.stream(pairs).mapToInt(g -> g.txUsed).toArray()));
    }

    /** Fills the RX rings, sends {@code frames} frames from the socket and finds them in the rings. */
    void receive(int frames) {
        for (GuestPair g : pairs) {
            for (int i = 0; i < RING; i++) {
                g.rx.add(new long[] {g.rxBuffers + (long) i * BUFFER}, new int[] {BUFFER}, new boolean[] {true}, 1);
            }
            g.publishReceive();
        }
        int sent = 0;
        int matched = 0;
        int bad = 0;
        int other = 0;
        int used = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + PHASE_NANOS;
        while (matched + bad < frames && System.nanoTime() < deadline) {
            int progress = 0;
            // At most a burst in flight: the TAP's queue drops what the worker has not taken yet.
            while (sent < frames && sent - (matched + bad) < BURST) {
                TestFrames.fill(frame, sent);
                if (!socket.send(frame, TestFrames.length(sent))) {
                    break;
                }
                sent++;
                progress++;
            }
            for (GuestPair g : pairs) {
                int n = g.rx.reclaim(ids, lens, RING);
                progress += n;
                for (int i = 0; i < n; i++) {
                    // Buffer slot = head: each head was posted with its own slot and is reposted with it.
                    long address = g.rxBuffers + (long) ids[i] * BUFFER;
                    int length = lens[i] - HEADER;
                    used++;
                    g.rxUsed++;
                    if (length < 14 || length > TestFrames.MAX_FRAME) {
                        bad++;
                    } else {
                        memory.read(address + HEADER, frame, 0, length);
                        if (TestFrames.etherType(frame) != TestFrames.ETHERTYPE) {
                            other++;
                        } else if (TestFrames.matches(frame, length, scratch)) {
                            matched++;
                            bytes += length;
                        } else {
                            bad++;
                        }
                    }
                    g.rx.add(new long[] {address}, new int[] {BUFFER}, new boolean[] {true}, 1);
                }
                if (n > 0) {
                    g.publishReceive();
                }
                g.rx.enableInterrupts(true);
            }
            idle(progress);
        }
        put("rxSent", sent);
        put("rxMatched", matched);
        put("rxBad", bad);
        put("rxOther", other);
        put("rxBytes", bytes);
        put("rxUsed", used);
        put("rxUsedPerPair", join(Arrays.stream(pairs).mapToInt(g -> g.rxUsed).toArray()));
    }

    /**
     * A hostile driver: one TX chain on {@code pair} whose buffer lies beyond guest memory. The
     * worker cannot translate it and signals the ring's error eventfd, leaving the chain
     * unconsumed. Waits until {@code reported} says the backend passed that on.
     */
    void hostileTransmit(GuestPair pair, long memorySize, BooleanSupplier reported) {
        pair.tx.add(new long[] {memorySize + 0x100000}, new int[] {HEADER + TestFrames.MIN_FRAME}, new boolean[] {false}, 1);
        pair.tx.publish();
        pair.forceTransmitNotify();
        long deadline = System.nanoTime() + PHASE_NANOS;
        while (!reported.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        put("hostileReported", reported.getAsBoolean() ? 1 : 0);
    }

    private void put(String key, Object value) {
        result.put(prefix + key, value);
    }

    /**
     * Yields the CPU after a round without progress: the kernel workers share the guest's two
     * emulated CPUs with this thread, and spinning under TCG only slows them down.
     */
    private static void idle(int progress) {
        if (progress == 0) {
            LockSupport.parkNanos(200_000);
        }
    }

    static String join(int[] values) {
        StringBuilder b = new StringBuilder();
        for (int v : values) {
            b.append(b.isEmpty() ? "" : ",").append(v);
        }
        return b.toString();
    }

    @Override
    public void close() {
        arena.close();
    }
}
