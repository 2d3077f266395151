package io.virtio4j.vhostnet.guest;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Proxy;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetControlState;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.vhostnet.VhostNetBackend;
import io.virtio4j.vring.DriverQueue;

/**
 * The program {@code VhostNetGuestTest} runs inside the QEMU guest (where {@code /dev/vhost-net}
 * exists): the in-process driver ({@link DriverQueue} over memfd guest memory) against rings the
 * kernel's vhost worker serves, through the {@code vhost-net:} provider found by ServiceLoader.
 * <ol>
 * <li>transmit: frames written into the TX ring come out of the TAP (read on an AF_PACKET socket
 *     bound to it) byte for byte;</li>
 * <li>receive: frames sent into the TAP's interface arrive in the RX ring byte for byte, each
 *     behind a 12-byte virtio-net header;</li>
 * <li>a hostile chain (a buffer outside guest memory) makes the worker signal the ring's error
 *     eventfd, which the backend reports as a broken queue;</li>
 * <li>stop: VHOST_GET_VRING_BASE reports every chain the worker took; afterwards no vhost or TAP
 *     fd is left open.</li>
 * </ol>
 * It prints one {@code VHOST-NET-GUEST-RESULT key=value ...} line for the host to assert on and
 * exits 0 whenever it got that far; the host decides what is a failure.
 */
public final class VhostNetGuestCheck {
    static final String RESULT_PREFIX = "VHOST-NET-GUEST-RESULT";
    /** IEEE 802 "local experimental" ethertype: nothing else on the link uses it. */
    static final int ETHERTYPE = 0x88B5;
    private static final int RING = 256;
    private static final int HEADER = 12;
    private static final int BUFFER = 2048;
    private static final int MIN_FRAME = 60;
    private static final int MAX_FRAME = 1514;
    private static final int BURST = 32;
    /** Pair p's rings at p * RINGS_STRIDE (rx) and + TX_RING_OFFSET (tx); buffers from BUFFERS on. */
    private static final long RINGS_STRIDE = 0x20000;
    private static final long TX_RING_OFFSET = 0x10000;
    private static final long BUFFERS = 0x100000;
    private static final long BUFFER_AREA = (long) RING * BUFFER;
    private static final int MAX_PAIRS = (int) (BUFFERS / RINGS_STRIDE);
    private static final long PHASE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Map<String, Object> result = new TreeMap<>();
    private final Platform platform = Platform.linux();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment expected = arena.allocate(BUFFER);
    private final MemorySegment actual = arena.allocate(BUFFER);
    private final MemorySegment staging = arena.allocate(HEADER + BUFFER);
    private final int[] ids = new int[RING];
    private final int[] lens = new int[RING];

    /** Arguments: TAP name (default vnt0), frames each way (default 200), queue pairs (default 1). */
    public static void main(String[] args) throws Exception {
        String ifname = args.length > 0 ? args[0] : "vnt0";
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        VhostNetGuestCheck check = new VhostNetGuestCheck();
        try {
            if (pairs < 1 || pairs > MAX_PAIRS) {
                throw new IllegalArgumentException("1.." + MAX_PAIRS + " pairs");
            }
            check.run(ifname, frames, pairs);
        } catch (Exception | AssertionError e) {
            e.printStackTrace(System.out);
            check.result.put("error", e.toString().replace(' ', '_'));
        }
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        check.result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
    }

    private void run(String ifname, int frames, int pairCount) throws Exception {
        long memorySize = BUFFERS + 2L * pairCount * BUFFER_AREA;
        try (MemfdGuestMemory backing = MemfdGuestMemory.create("vhost-net-guest", 0, memorySize)) {
            GuestMemory memory = backing.memory();
            VhostNetBackend backend = (VhostNetBackend) NetBackends.open("vhost-net:tap=" + ifname + ",queues=" + pairCount);
            GuestPair[] pairs = new GuestPair[pairCount];
            try {
                long features = backend.supportedFeatures()
                        & Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX, VirtioFeature.RING_INDIRECT_DESC);
                result.put("kernelFeatures", "0x" + Long.toHexString(backend.kernelFeatures()));
                result.put("negotiated", "0x" + Long.toHexString(features));
                List<DataQueue> queues = new ArrayList<>();
                for (int p = 0; p < pairCount; p++) {
                    pairs[p] = new GuestPair(memory, p, pairCount, VirtioFeature.RING_EVENT_IDX.in(features));
                    queues.addAll(pairs[p].queues());
                }
                List<Integer> broken = new CopyOnWriteArrayList<>();
                backend.start(new NetDataPlane(memory, features, queues, unusedFilter(), broken::add));
                linkUp(ifname);
                try (PacketSocket socket = PacketSocket.open(platform, ifname, ETHERTYPE)) {
                    transmit(memory, pairs, socket, frames);
                    receive(memory, pairs, socket, frames);
                }
                hostileTransmit(pairs[0], memorySize, broken);
                int[] stopped = backend.stop();
                result.put("stopAvail", join(stopped));
                long txCalls = 0;
                long rxCalls = 0;
                for (GuestPair g : pairs) {
                    txCalls += g.txCall.consume();
                    rxCalls += g.rxCall.consume();
                }
                result.put("txCalls", txCalls);
                result.put("rxCalls", rxCalls);
                result.put("brokenQueues", broken.size());
                result.put("brokenQueueIndex", broken.isEmpty() ? -1 : broken.getFirst());
            } finally {
                backend.close();
                for (GuestPair g : pairs) {
                    if (g != null) {
                        g.close();
                    }
                }
            }
            countFds();
        }
    }

    /**
     * One queue pair as its driver sees it: rings, notifiers and two buffer areas. The TX call is
     * an eventfd the kernel signals itself; the RX call has no fd (as virtio-mmio's without
     * irqfd), so the backend relays it: both paths are exercised.
     */
    private static final class GuestPair implements AutoCloseable {
        final int pair;
        final QueueLayout rxLayout;
        final QueueLayout txLayout;
        final DriverQueue rx;
        final DriverQueue tx;
        final EventfdNotifier rxKick = EventfdNotifier.create();
        final InMemoryNotifier rxCall = new InMemoryNotifier();
        final EventfdNotifier txKick = EventfdNotifier.create();
        final EventfdNotifier txCall = EventfdNotifier.create();
        final long rxBuffers;
        final long txBuffers;
        int txQueued;
        int txUsed;
        int rxUsed;

        GuestPair(GuestMemory memory, int pair, int pairs, boolean eventIdx) {
            this.pair = pair;
            rxLayout = QueueLayout.contiguous(RING, pair * RINGS_STRIDE, eventIdx, false);
            txLayout = QueueLayout.contiguous(RING, pair * RINGS_STRIDE + TX_RING_OFFSET, eventIdx, false);
            rx = new DriverQueue(memory, rxLayout);
            tx = new DriverQueue(memory, txLayout);
            rxBuffers = BUFFERS + (long) pair * BUFFER_AREA;
            txBuffers = BUFFERS + (long) (pairs + pair) * BUFFER_AREA;
        }

        List<DataQueue> queues() {
            return List.of(new DataQueue(2 * pair, rxLayout, rxKick, rxCall, 0, 0),
                    new DataQueue(2 * pair + 1, txLayout, txKick, txCall, 0, 0));
        }

        @Override
        public void close() {
            rxKick.close();
            rxCall.close();
            txKick.close();
            txCall.close();
        }
    }

    /** Frames go guest TX rings (round robin over the pairs) -> vhost workers -> TAP -> kernel -> our packet socket. */
    private void transmit(GuestMemory memory, GuestPair[] pairs, PacketSocket socket, int frames) {
        int queued = 0;
        int matched = 0;
        int bad = 0;
        int used = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + PHASE_NANOS;
        while ((matched + bad < frames || used < frames) && System.nanoTime() < deadline) {
            int burst = 0;
            while (queued < frames && burst < BURST && pairs[queued % pairs.length].tx.freeCount() > 0) {
                GuestPair g = pairs[queued % pairs.length];
                int length = frameLength(queued);
                fillFrame(expected, queued, length);
                // Slot = this pair's chain count mod RING: the worker completes TX chains in order,
                // so a slot is reused only after its chain came back.
                long address = g.txBuffers + (long) (g.txQueued++ % RING) * BUFFER;
                memory.write(address, zeroHeaderThen(expected, length), 0, HEADER + length);
                g.tx.add(new long[] {address}, new int[] {HEADER + length}, new boolean[] {false}, 1);
                queued++;
                burst++;
            }
            if (burst > 0) {
                for (GuestPair g : pairs) {
                    publishAndKick(g.tx, g.txKick);
                }
            }
            int progress = burst;
            int n;
            while ((n = socket.receive(actual)) >= 0) {
                progress++;
                if (matches(actual, n)) {
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
        result.put("txSent", queued);
        result.put("txMatched", matched);
        result.put("txBad", bad);
        result.put("txBytes", bytes);
        result.put("txUsed", used);
        result.put("txUsedPerPair", join(Arrays.stream(pairs).mapToInt(g -> g.txUsed).toArray()));
    }

    /** Frames go our packet socket -> kernel -> TAP queues (the kernel picks one) -> vhost workers -> guest RX rings. */
    private void receive(GuestMemory memory, GuestPair[] pairs, PacketSocket socket, int frames) {
        for (GuestPair g : pairs) {
            for (int i = 0; i < RING; i++) {
                g.rx.add(new long[] {g.rxBuffers + (long) i * BUFFER}, new int[] {BUFFER}, new boolean[] {true}, 1);
            }
            publishAndKick(g.rx, g.rxKick);
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
                int length = frameLength(sent);
                fillFrame(expected, sent, length);
                if (!socket.send(expected, length)) {
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
                    if (length < 14 || length > MAX_FRAME) {
                        bad++;
                    } else {
                        memory.read(address + HEADER, actual, 0, length);
                        if (etherType(actual) != ETHERTYPE) {
                            other++;
                        } else if (matches(actual, length)) {
                            matched++;
                            bytes += length;
                        } else {
                            bad++;
                        }
                    }
                    g.rx.add(new long[] {address}, new int[] {BUFFER}, new boolean[] {true}, 1);
                }
                if (n > 0) {
                    publishAndKick(g.rx, g.rxKick);
                }
                g.rx.enableInterrupts(true);
            }
            idle(progress);
        }
        result.put("rxSent", sent);
        result.put("rxMatched", matched);
        result.put("rxBad", bad);
        result.put("rxOther", other);
        result.put("rxBytes", bytes);
        result.put("rxUsed", used);
        result.put("rxUsedPerPair", join(Arrays.stream(pairs).mapToInt(g -> g.rxUsed).toArray()));
    }

    /**
     * A hostile driver: one TX chain whose buffer lies outside guest memory. The worker cannot
     * translate it, signals the ring's error eventfd and leaves the chain unconsumed; the backend
     * must report the queue broken. (GET_VRING_BASE then still counts only the good chains.)
     */
    private void hostileTransmit(GuestPair pair, long memorySize, List<Integer> broken) throws InterruptedException {
        pair.tx.add(new long[] {memorySize + 0x100000}, new int[] {HEADER + MIN_FRAME}, new boolean[] {false}, 1);
        pair.tx.publish();
        pair.txKick.signal();
        long deadline = System.nanoTime() + PHASE_NANOS;
        while (broken.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
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

    private static String join(int[] values) {
        StringBuilder b = new StringBuilder();
        for (int v : values) {
            b.append(b.isEmpty() ? "" : ",").append(v);
        }
        return b.toString();
    }

    /** 60..1514 bytes, varying with the sequence number. */
    static int frameLength(int seq) {
        return MIN_FRAME + (int) ((seq * 379L) % (MAX_FRAME - MIN_FRAME + 1));
    }

    /** dst 02:00:00:00:00:02, src 02:00:00:00:00:01, {@link #ETHERTYPE}, seq (big-endian), then a pattern of seq. */
    static void fillFrame(MemorySegment frame, int seq, int length) {
        // In bounds: length <= MAX_FRAME < the 2048-byte buffers this is called with.
        for (int i = 0; i < 6; i++) {
            frame.set(ValueLayout.JAVA_BYTE, i, (byte) (i == 0 ? 2 : i == 5 ? 2 : 0));
            frame.set(ValueLayout.JAVA_BYTE, 6 + i, (byte) (i == 0 ? 2 : i == 5 ? 1 : 0));
        }
        frame.set(ValueLayout.JAVA_BYTE, 12, (byte) (ETHERTYPE >>> 8));
        frame.set(ValueLayout.JAVA_BYTE, 13, (byte) ETHERTYPE);
        frame.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 14, seq);
        for (int i = 18; i < length; i++) {
            frame.set(ValueLayout.JAVA_BYTE, i, (byte) (seq * 31 + i));
        }
    }

    /** A 12-byte zero virtio-net header followed by {@code frame}'s first {@code length} bytes. */
    private MemorySegment zeroHeaderThen(MemorySegment frame, int length) {
        staging.asSlice(0, HEADER).fill((byte) 0);
        MemorySegment.copy(frame, 0, staging, HEADER, length);
        return staging;
    }

    private static int etherType(MemorySegment frame) {
        return (frame.get(ValueLayout.JAVA_BYTE, 12) & 0xff) << 8 | (frame.get(ValueLayout.JAVA_BYTE, 13) & 0xff);
    }

    /** Whether {@code frame} is exactly the frame its sequence number says, at that length. */
    private boolean matches(MemorySegment frame, int length) {
        if (length < 18) {
            return false;
        }
        int seq = frame.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 14);
        if (seq < 0 || frameLength(seq) != length) {
            return false;
        }
        fillFrame(expected, seq, length);
        return MemorySegment.mismatch(frame, 0, length, expected, 0, length) == -1;
    }

    private static void linkUp(String ifname) throws IOException, InterruptedException {
        // No IPv6 on the link: its router solicitations would be frames in the receive ring too (counted as "other").
        Path ipv6 = Path.of("/proc/sys/net/ipv6/conf", ifname, "disable_ipv6");
        if (Files.exists(ipv6)) {
            Files.writeString(ipv6, "1");
        }
        Process ip = new ProcessBuilder("ip", "link", "set", "dev", ifname, "up").inheritIO().start();
        if (ip.waitFor() != 0) {
            throw new IOException("ip link set dev " + ifname + " up failed");
        }
    }

    /** After close (of the backend and the notifiers): no /dev/vhost-net, TAP or eventfd may remain. */
    private void countFds() throws IOException {
        int vhost = 0;
        int tun = 0;
        int eventfds = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (target.equals("/dev/vhost-net")) {
                    vhost++;
                } else if (target.equals("/dev/net/tun")) {
                    tun++;
                } else if (target.equals("anon_inode:[eventfd]")) {
                    eventfds++;
                }
            }
        }
        result.put("openVhostFds", vhost);
        result.put("openTunFds", tun);
        result.put("openEventfds", eventfds);
    }

    /**
     * The receive filter: vhost-net never consults it (the kernel delivers whatever the TAP gets),
     * so any call is a failure of the backend.
     */
    private static NetControlState unusedFilter() {
        return (NetControlState) Proxy.newProxyInstance(NetControlState.class.getClassLoader(),
                new Class<?>[] {NetControlState.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException("vhost-net consulted the receive filter: " + method.getName());
                });
    }

    /** Makes what was added visible and kicks if the device asked for it (spec 2.7.13). */
    private static void publishAndKick(DriverQueue queue, EventfdNotifier kick) {
        queue.publish();
        if (queue.shouldKick()) {
            kick.signal();
        }
    }
}
