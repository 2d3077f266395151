package io.virtio4j.vhostuser.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjIntConsumer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.protocol.FrontendHandshake;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.VringHandover;
import io.virtio4j.vring.DeviceQueue;
import io.virtio4j.vring.DriverQueue;

/**
 * A guest virtio-net NIC in this process, the test stand-in for a VM: memfd-backed guest memory,
 * RX/TX rings per queue pair (split, or packed with {@link #packed}) driven by vring-impl's
 * {@link DriverQueue}, eventfd kicks and
 * calls, handed to a vhost-user back-end through {@link VhostUserFrontend}. Frames carry the
 * 12-byte virtio-net header (VERSION_1, no MRG_RXBUF negotiated: num_buffers is present but 1).
 *
 * <p>Guest-physical layout (from {@link #GPA}): the rings of virtqueue {@code q} at
 * {@code RING_AREA + q * RING_STRIDE}, then each virtqueue's buffers ({@code queueSize} buffers of
 * {@link #BUF} bytes) at {@code bufferBase(q)}. Queue {@code 2p} is pair p's RX, {@code 2p+1} its TX.
 *
 * <p>Not thread-safe: one thread drives a NIC, as one vCPU drives one queue. Re-entrant as a driver
 * must be: a receive callback may transmit, kick and reclaim TX (each virtqueue has its own
 * reclaim arrays), but not receive on the same pair again (refused with IllegalStateException).
 */
public final class GuestNic implements AutoCloseable {
    /** Guest-physical address of the first byte of guest memory. */
    public static final long GPA = 0;
    /** Default ring size. */
    public static final int QSIZE = 256;
    /** Bytes of each buffer: a whole frame of up to 1514 bytes plus the header fits. */
    public static final int BUF = 2048;
    /** The virtio-net header (virtio 1.x, with num_buffers). */
    public static final int HDR = 12;
    /** Where the first virtqueue's rings start. */
    public static final long RING_AREA = 0x10000;
    /** Space per virtqueue's rings: a 2048-entry split ring (52 KiB) fits. */
    public static final long RING_STRIDE = 0x10000;
    /** Pair 0's rings, as the single-pair tests name them. */
    public static final long RX_RING = RING_AREA;
    /** Pair 0's transmit ring. */
    public static final long TX_RING = RING_AREA + RING_STRIDE;

    private final int queueSize;
    private final int pairs;
    /** Packed rings (VIRTIO_F_RING_PACKED asked for at attach) instead of split ones. */
    private final boolean packedRings;
    private final MemfdGuestMemory backing;
    private final GuestMemory memory;
    private final DriverQueue[] queues;
    private final EventfdNotifier[] kick;
    private final EventfdNotifier[] call;
    /** Per virtqueue, the heads and used lengths of its last reclaim (one set each, so TX reclaims never clobber RX's). */
    private final int[][] ids;
    private final int[][] lens;
    /** Per virtqueue, the buffer address each head carries (heads are reused in any order). */
    private final long[][] bufferOf;
    /** Per virtqueue, the buffers of its last reclaim, gathered before any is re-posted. */
    private final long[][] reclaimed;
    /** Per pair, whether {@link #receive(int, ObjIntConsumer)} is running its callbacks. */
    private final boolean[] receiving;
    /** Per pair, the TX buffers in no chain (a stack), so buffers are reused whatever the completion order. */
    private final long[][] freeTx;
    private final int[] freeTxCount;
    /** Room for a TX chain of one buffer per {@link #splitTx} cut plus one. */
    private static final int MAX_TX_BUFFERS = 8;
    /** The most buffers one TX frame may span: a 64 KB super-frame and its header in 2 KB buffers. */
    private static final int MAX_CHAIN = 40;
    private final long[] addr = new long[MAX_CHAIN];
    private final int[] len = new int[MAX_CHAIN];
    private final boolean[] writable = new boolean[MAX_CHAIN];
    /** Per pair and TX head, the buffers after the first of a frame that spans several (else null). */
    private final long[][][] extraTx;
    /** The length RX buffers are posted with (see {@link #rxBuffers}). */
    private int rxBufferLength = BUF;
    /** Where {@link #transmit} starts a new descriptor, in bytes of header + frame (none: one buffer). */
    private int[] txCuts = new int[0];

    /** One queue pair of {@link #QSIZE} entries. */
    public GuestNic() {
        this(QSIZE, 1);
    }

    /**
     * @param queueSize entries per ring: a power of two, 2..2048
     * @param queuePairs RX/TX pairs, 1..8
     */
    public GuestNic(int queueSize, int queuePairs) {
        this(queueSize, queuePairs, true, false);
    }

    /**
     * A NIC whose rings are packed (virtio 1.2 section 2.8): {@link #attach} asks for
     * VIRTIO_F_RING_PACKED, as QEMU's {@code packed=on} or DPDK's {@code packed_vq=1} does.
     *
     * @param queueSize entries per ring: a power of two, 2..2048
     * @param queuePairs RX/TX pairs, 1..8
     */
    public static GuestNic packed(int queueSize, int queuePairs) {
        return new GuestNic(queueSize, queuePairs, true, true);
    }

    /**
     * A NIC of one queue pair of {@link #QSIZE} whose guest memory is not sealed: as with a front-end
     * whose RAM is a plain shared file (DPDK's hugetlbfs files cannot be sealed), {@link #shrinkMemory}
     * can then truncate it under the back-end's mapping, as a hostile peer would.
     */
    public static GuestNic unsealed() {
        return new GuestNic(QSIZE, 1, false, false);
    }

    private GuestNic(int queueSize, int queuePairs, boolean sealed, boolean packedRings) {
        if (queueSize < 2 || queueSize > 2048 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("queue size " + queueSize + " is not a power of two in 2..2048");
        }
        if (queuePairs < 1 || queuePairs > 8) {
            throw new IllegalArgumentException("queue pairs " + queuePairs + " not in 1..8");
        }
        this.queueSize = queueSize;
        this.pairs = queuePairs;
        this.packedRings = packedRings;
        int n = 2 * queuePairs;
        long size = bufferBase(n);
        backing = sealed ? MemfdGuestMemory.create("guest-nic", GPA, size)
                : MemfdGuestMemory.create(withoutSeals(Platform.linux()), "guest-nic", List.of(new MemfdGuestMemory.Range(GPA, size)));
        memory = backing.memory();
        queues = new DriverQueue[n];
        kick = new EventfdNotifier[n];
        call = new EventfdNotifier[n];
        bufferOf = new long[n][queueSize];
        try {
            for (int q = 0; q < n; q++) {
                queues[q] = new DriverQueue(memory, layout(q));
                kick[q] = EventfdNotifier.create();
                call[q] = EventfdNotifier.create();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        ids = new int[n][queueSize];
        lens = new int[n][queueSize];
        reclaimed = new long[n][queueSize];
        receiving = new boolean[queuePairs];
        freeTx = new long[queuePairs][queueSize];
        freeTxCount = new int[queuePairs];
        extraTx = new long[queuePairs][queueSize][];
        freeAllTx();
    }

    /** Every TX buffer of every pair on its free stack, in no chain. */
    private void freeAllTx() {
        for (int p = 0; p < pairs; p++) {
            for (int i = 0; i < queueSize; i++) {
                freeTx[p][i] = bufferBase(2 * p + 1) + (long) i * BUF;
                extraTx[p][i] = null;
            }
            freeTxCount[p] = queueSize;
        }
    }

    /**
     * The driver's side of a device reset (spec 3.1.1; Linux's virtio-net frees every buffer and
     * re-creates its rings): every ring zeroed and started again at its fresh position, every buffer
     * the device held taken back without a used element. The eventfds stay; post RX again
     * ({@link #postAllRx}) before the device starts again.
     */
    public void resetRings() {
        for (int q = 0; q < queues.length; q++) {
            QueueLayout l = layout(q);
            // In bounds: virtqueue q's rings lie in its RING_STRIDE area, inside the memfd the constructor sized.
            memory.slice(l.descAddr(), l.contiguousBytes()).fill((byte) 0);
            queues[q] = new DriverQueue(memory, l);
        }
        freeAllTx();
    }

    /** The layout of virtqueue {@code q}'s rings (q = 2 * pair for RX, + 1 for TX). */
    public QueueLayout layout(int q) {
        long base = RING_AREA + q * RING_STRIDE;
        return packedRings ? QueueLayout.packed(queueSize, base, false, false) : QueueLayout.contiguous(queueSize, base, false, false);
    }

    /** Guest-physical address of virtqueue {@code q}'s first buffer. */
    private long bufferBase(int q) {
        return RING_AREA + 16 * RING_STRIDE + (long) q * queueSize * BUF;
    }

    /** The guest memory (memfd-backed, so a back-end can map it). */
    public GuestMemory memory() {
        return memory;
    }

    /** Descriptors per ring. */
    public int queueSize() {
        return queueSize;
    }

    /** The queue pairs this NIC hands over. */
    public int queuePairs() {
        return pairs;
    }

    /** The eventfd the driver signals for virtqueue {@code q} (the back-end waits on it). */
    public int kickFd(int q) {
        return kick[q].fd();
    }

    /** The eventfd the back-end signals for virtqueue {@code q} (the driver's interrupt). */
    public int callFd(int q) {
        return call[q].fd();
    }

    /** Reads and clears virtqueue {@code q}'s call eventfd: how many interrupts arrived since. */
    public long consumeCall(int q) {
        return call[q].consume();
    }

    /** The driver side of virtqueue {@code q}. */
    public DriverQueue queue(int q) {
        return queues[q];
    }

    /** The handshake as QEMU does it: VERSION_1 (+ PROTOCOL_FEATURES when offered, no MRG_RXBUF), every queue pair. */
    public void attach(VhostUserFrontend fe) {
        attach(fe, 0);
    }

    /**
     * The handshake ({@code FrontendHandshake}) with extra device feature bits {@code extraFeatures}
     * (offered ones only): every RX buffer posted, every ring handed over at its fresh position with its kick
     * and call, and enabled.
     */
    public void attach(VhostUserFrontend fe, long extraFeatures) {
        FrontendHandshake.Negotiated n = FrontendHandshake.negotiate(fe);
        postAllRx();
        long ring = packedRings ? BackendConfig.VIRTIO_F_RING_PACKED : 0;
        FrontendHandshake.handOver(fe, n, BackendConfig.VIRTIO_F_VERSION_1 | ring | extraFeatures, memory, rings());
    }

    /**
     * Every ring at its fresh position (0 split, slot 0 with wrap counter 1 packed) with its
     * eventfds, as {@link #attach} hands them over.
     */
    public List<VringHandover> rings() {
        List<VringHandover> rings = new ArrayList<>();
        for (int q = 0; q < 2 * pairs; q++) {
            rings.add(new VringHandover(q, layout(q), DeviceQueue.freshPosition(layout(q)), kick[q].fd(), call[q].fd()));
        }
        return rings;
    }

    /** Posts every RX buffer of every pair (once, before the device starts). */
    public void postAllRx() {
        for (int p = 0; p < pairs; p++) {
            int rxq = 2 * p;
            for (int i = 0; i < queueSize; i++) {
                postRx(rxq, bufferBase(rxq) + (long) i * BUF);
            }
            queues[rxq].publish();
        }
    }

    /** The notifier the driver signals for virtqueue {@code q}: a device's kick, if it is given one. */
    public EventNotifier kickNotifier(int q) {
        return kick[q];
    }

    /**
     * From now on, RX buffers are posted as {@code length}-byte buffers (at most {@link #BUF}):
     * smaller ones make a back-end with MRG_RXBUF merge a frame over several. Call it before
     * {@link #attach} (which posts them).
     */
    public void rxBuffers(int length) {
        if (length <= 0 || length > BUF) {
            throw new IllegalArgumentException("RX buffers of " + length + " bytes; 1 to " + BUF);
        }
        rxBufferLength = length;
    }

    private void postRx(int q, long address) {
        addr[0] = address;
        len[0] = rxBufferLength;
        writable[0] = true;
        int head = queues[q].add(addr, len, writable, 1);
        bufferOf[q][head] = address;
    }

    /** Queues one frame on pair 0's TX (header zeroed + frame in one buffer); false when the ring is full. */
    public boolean transmit(byte[] frame) {
        return transmit(0, frame);
    }

    /** Queues one frame on pair {@code pair}'s TX; false when the ring is full. */
    public boolean transmit(int pair, byte[] frame) {
        int q = 2 * pair + 1;
        DriverQueue tx = queues[q];
        if (freeTxCount[pair] == 0 || tx.freeCount() < 1 + txCuts.length) {
            return false;
        }
        if (frame.length > BUF - HDR) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes does not fit a " + BUF + "-byte buffer");
        }
        // A buffer off this queue's free stack is in no chain the back-end can still read.
        long address = freeTx[pair][--freeTxCount[pair]];
        // In bounds: address..address+BUF lies in q's buffer area, inside the memfd.
        memory.slice(address, HDR).fill((byte) 0);
        // From the array straight into the slice: no heap segment reaches the JDK's shared segment
        // code, so a benchmark driving this guest in the switch's JVM (BurstProbe) leaves the
        // JIT's type profiles as native-only as the daemon's.
        MemorySegment.copy(frame, 0, memory.slice(address + HDR, frame.length), ValueLayout.JAVA_BYTE, 0, frame.length);
        int total = HDR + frame.length;
        int buffers = 0;
        int from = 0;
        for (int cut : txCuts) {
            if (cut > from && cut < total) {
                buffers = piece(buffers, address, from, cut);
                from = cut;
            }
        }
        buffers = piece(buffers, address, from, total);
        bufferOf[q][tx.add(addr, len, writable, buffers)] = address;
        return true;
    }

    /**
     * Queues one frame on pair {@code pair}'s TX behind the virtio-net header {@code header} (its
     * first {@link #HDR} bytes, as a driver with offloads writes it: flags, gso_type, hdr_len,
     * gso_size, csum_start, csum_offset), over as many buffers as header and frame need (a 64 KB
     * super-frame spans 33); false when the ring or the free buffers run short.
     */
    public boolean transmit(int pair, byte[] header, byte[] frame) {
        int q = 2 * pair + 1;
        DriverQueue tx = queues[q];
        int total = HDR + frame.length;
        int buffers = (total + BUF - 1) / BUF;
        if (buffers > MAX_CHAIN) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes spans more than " + MAX_CHAIN + " buffers");
        }
        if (freeTxCount[pair] < buffers || tx.freeCount() < buffers) {
            return false;
        }
        byte[] bytes = new byte[total];
        System.arraycopy(header, 0, bytes, 0, Math.min(HDR, header.length));
        System.arraycopy(frame, 0, bytes, HDR, frame.length);
        long[] extra = buffers > 1 ? new long[buffers - 1] : null;
        for (int i = 0; i < buffers; i++) {
            // A buffer off this queue's free stack is in no chain the back-end can still read.
            long address = freeTx[pair][--freeTxCount[pair]];
            int from = i * BUF;
            int to = Math.min(total, from + BUF);
            MemorySegment.copy(bytes, from, memory.slice(address, to - from), ValueLayout.JAVA_BYTE, 0, to - from);
            addr[i] = address;
            len[i] = to - from;
            writable[i] = false;
            if (i > 0) {
                extra[i - 1] = address;
            }
        }
        int head = tx.add(addr, len, writable, buffers);
        bufferOf[q][head] = addr[0];
        extraTx[pair][head] = extra;
        return true;
    }

    /** Describes bytes {@code [from, to)} of the buffer at {@code address} as TX descriptor {@code i}; returns i + 1. */
    private int piece(int i, long address, int from, int to) {
        addr[i] = address + from;
        len[i] = to - from;
        writable[i] = false;
        return i + 1;
    }

    /**
     * From now on, {@link #transmit} describes each frame's buffer with a new descriptor at each
     * of {@code cuts} (byte offsets into header + frame, ascending; those outside the frame are
     * ignored): {@code splitTx(HDR)} puts the header in a descriptor of its own, as legacy drivers
     * do; {@code splitTx(HDR + 20)} splits the frame after 20 bytes. No cuts: one descriptor.
     */
    public void splitTx(int... cuts) {
        if (cuts.length >= MAX_TX_BUFFERS) {
            throw new IllegalArgumentException("at most " + (MAX_TX_BUFFERS - 1) + " cuts");
        }
        for (int i = 1; i < cuts.length; i++) {
            if (cuts[i] <= cuts[i - 1]) {
                throw new IllegalArgumentException("cuts must ascend: " + java.util.Arrays.toString(cuts));
            }
        }
        txCuts = cuts.clone();
    }

    /** Publishes pair 0's queued TX chains and kicks. */
    public void kickTx() {
        kickTx(0);
    }

    /** Publishes pair {@code pair}'s queued TX chains and kicks. */
    public void kickTx(int pair) {
        queues[2 * pair + 1].publish();
        kick[2 * pair + 1].signal();
    }

    /** Frees pair 0's transmitted chains; returns how many. */
    public int reclaimTx() {
        return reclaimTx(0);
    }

    /** Frees pair {@code pair}'s transmitted chains; returns how many. */
    public int reclaimTx(int pair) {
        int q = 2 * pair + 1;
        int[] heads = ids[q];
        int n = queues[q].reclaim(heads, lens[q], queueSize);
        for (int i = 0; i < n; i++) {
            freeTx[pair][freeTxCount[pair]++] = bufferOf[q][heads[i]];
            long[] extra = extraTx[pair][heads[i]];
            if (extra != null) {
                for (long address : extra) {
                    freeTx[pair][freeTxCount[pair]++] = address;
                }
                extraTx[pair][heads[i]] = null;
            }
        }
        return n;
    }

    /** Pair 0's {@link #receive(int, ObjIntConsumer)}. */
    public int receive(ObjIntConsumer<MemorySegment> check) {
        return receive(0, check);
    }

    /**
     * Takes the frames the back-end put in pair {@code pair}'s RX ring, hands each (header
     * included, and its used length) to {@code check}, re-posts their buffers; returns the count.
     *
     * {@code check} may transmit, kick and reclaim TX, on any pair, and receive on another pair.
     *
     * @throws IllegalStateException if the back-end reported a used length beyond the buffer, or
     *                               when called from inside a callback of the same pair's receive
     */
    public int receive(int pair, ObjIntConsumer<MemorySegment> check) {
        if (receiving[pair]) {
            throw new IllegalStateException("receive(" + pair + ") called from inside its own receive callback:"
                    + " the buffers being handed out are not re-posted yet");
        }
        int q = 2 * pair;
        DriverQueue rx = queues[q];
        int[] heads = ids[q];
        int[] used = lens[q];
        int n = rx.reclaim(heads, used, queueSize);
        // Look every buffer up before re-posting any: a re-post may reuse a head still to be read.
        long[] buffers = reclaimed[q];
        for (int i = 0; i < n; i++) {
            buffers[i] = bufferOf[q][heads[i]];
        }
        receiving[pair] = true;
        try {
            for (int i = 0; i < n; i++) {
                if (used[i] < 0 || used[i] > BUF) {
                    throw new IllegalStateException("used len " + used[i] + " exceeds the " + BUF + "-byte buffer");
                }
                check.accept(memory.slice(buffers[i], used[i]), used[i]);
            }
        } finally {
            receiving[pair] = false;
        }
        for (int i = 0; i < n; i++) {
            postRx(q, buffers[i]);
        }
        if (n > 0) {
            rx.publish();
        }
        return n;
    }

    /**
     * A broadcast frame of {@code length} bytes from 02:02:02:02:02:02 whose payload bytes depend
     * on {@code seed}, so two frames with different seeds differ.
     */
    public static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xFF;
        }
        for (int i = 6; i < 12; i++) {
            f[i] = 0x02;
        }
        for (int i = 12; i < length; i++) {
            f[i] = (byte) (i + seed);
        }
        return f;
    }

    /** A copy of {@code length} bytes of {@code s} from {@code offset}. */
    public static byte[] bytes(MemorySegment s, long offset, long length) {
        return s.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The frame in a received buffer: its bytes after the virtio-net header. */
    public static byte[] payload(MemorySegment received, int usedLength) {
        return bytes(received, HDR, usedLength - HDR);
    }

    /**
     * Truncates the guest memory's file to 0 bytes under every mapping of it (the back-end's too):
     * what a hostile front-end does to make the back-end fault. Only for an {@link #unsealed} NIC;
     * afterwards this NIC must not touch its memory (it would fault too), only be closed.
     */
    public void shrinkMemory() {
        Platform.linux().ftruncate(backing.fd(), 0);
    }

    /** {@code platform} with every F_ADD_SEALS a no-op, so a memfd made through it stays shrinkable. */
    private static Platform withoutSeals(Platform platform) {
        return (Platform) Proxy.newProxyInstance(Platform.class.getClassLoader(), new Class<?>[] {Platform.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("fcntl") && (int) args[1] == LinuxConstants.F_ADD_SEALS) {
                        return 0;
                    }
                    try {
                        return method.invoke(platform, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Closes every eventfd and unmaps the guest memory (the back-end keeps its own mapping until it drops it). */
    @Override
    public void close() {
        for (int q = 0; q < kick.length; q++) {
            if (kick[q] != null) {
                kick[q].close();
            }
            if (call[q] != null) {
                call[q].close();
            }
        }
        backing.close();
    }
}
