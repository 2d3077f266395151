package io.virtio4j.vhostuser;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.DriverQueue;

/**
 * A guest virtio-net NIC in this process: memfd-backed guest memory, RX/TX rings driven by
 * vring-impl's DriverQueue, handed to a back-end through {@link VhostUserFrontend}.
 */
final class GuestNic implements AutoCloseable {
    static final long GPA = 0;
    static final long SIZE = 4L << 20;
    static final int QSIZE = 256;
    static final long RX_RING = 0x10000;
    static final long TX_RING = 0x20000;
    static final long RX_BUFFERS = 0x100000;
    static final long TX_BUFFERS = 0x200000;
    static final int BUF = 2048;
    static final int HDR = 12;

    final FdMapping mapping;
    final GuestMemory memory;
    final DriverQueue rx;
    final DriverQueue tx;
    final int[] kick = new int[2];
    final int[] call = new int[2];
    private final int[] ids = new int[QSIZE];
    private final int[] lens = new int[QSIZE];
    private final long[] rxBufferOf = new long[QSIZE];
    private final long[] reclaimed = new long[QSIZE];

    GuestNic() {
        int fd = TestFiles.memfd(SIZE);
        mapping = FdMapping.map(fd, 0, SIZE);
        memory = GuestMemory.of(new GuestRegion(GPA, mapping.region(), mapping.fd(), 0));
        rx = new DriverQueue(memory, layout(RX_RING));
        tx = new DriverQueue(memory, layout(TX_RING));
        for (int i = 0; i < 2; i++) {
            kick[i] = TestFiles.eventfd();
            call[i] = TestFiles.eventfd();
        }
    }

    static QueueLayout layout(long base) {
        return QueueLayout.contiguous(QSIZE, base, false, false);
    }

    /** The whole handshake, as QEMU does it for one queue pair, VERSION_1 without MRG_RXBUF. */
    void attach(VhostUserFrontend fe) {
        long offered = fe.getFeatures();
        long wanted = BackendConfig.VIRTIO_F_VERSION_1 | ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES;
        if ((offered & wanted) != wanted) {
            throw new IllegalStateException("back-end offers 0x" + Long.toHexString(offered));
        }
        fe.setOwner();
        fe.setFeatures(wanted);
        long protocol = fe.getProtocolFeatures() & (ProtocolFeature.mask(ProtocolFeature.REPLY_ACK) | ProtocolFeature.mask(ProtocolFeature.MQ));
        fe.setProtocolFeatures(protocol);
        fe.setMemTable(memory);
        // Post every RX buffer before the back-end starts.
        for (int i = 0; i < QSIZE; i++) {
            postRx(RX_BUFFERS + (long) i * BUF);
        }
        rx.publish();
        long[] rings = {RX_RING, TX_RING};
        for (int i = 0; i < 2; i++) {
            fe.setVringNum(i, QSIZE);
            fe.setVringBase(i, 0);
            fe.setVringAddr(i, layout(rings[i]), memory);
            fe.setVringKick(i, kick[i]);
            fe.setVringCall(i, call[i]);
        }
        for (int i = 0; i < 2; i++) {
            fe.setVringEnable(i, true);
        }
    }

    /** Posts one receive buffer and remembers which head carries it (heads are reused in any order). */
    private void postRx(long addr) {
        int head = rx.add(new long[] {addr}, new int[] {BUF}, new boolean[] {true}, 1);
        rxBufferOf[head] = addr;
    }

    /** Queues one frame for transmission (header + frame in one buffer); false when the ring is full. */
    boolean transmit(byte[] frame, int slot) {
        if (tx.freeCount() == 0) {
            return false;
        }
        long addr = TX_BUFFERS + (long) (slot % QSIZE) * BUF;
        memory.slice(addr, HDR).fill((byte) 0);
        memory.write(addr + HDR, MemorySegment.ofArray(frame), 0, frame.length);
        tx.add(new long[] {addr}, new int[] {HDR + frame.length}, new boolean[] {false}, 1);
        return true;
    }

    /** Publishes queued TX chains and kicks. */
    void kickTx() {
        tx.publish();
        TestFiles.writeEventfd(kick[1]);
    }

    /** Frees transmitted chains. */
    int reclaimTx() {
        return tx.reclaim(ids, lens, QSIZE);
    }

    /** Takes received frames, checks each with {@code check}, re-posts their buffers; returns the count. */
    int receive(java.util.function.ObjIntConsumer<MemorySegment> check) {
        int n = rx.reclaim(ids, lens, QSIZE);
        for (int i = 0; i < n; i++) {
            long addr = rxBufferOf[ids[i]];
            if (lens[i] < 0 || lens[i] > BUF) {
                throw new IllegalStateException("used len " + lens[i] + " exceeds the buffer");
            }
            check.accept(memory.slice(addr, lens[i]), lens[i]);
        }
        // Look every buffer up before re-posting any: a re-post may reuse a head still to be read.
        for (int i = 0; i < n; i++) {
            reclaimed[i] = rxBufferOf[ids[i]];
        }
        for (int i = 0; i < n; i++) {
            postRx(reclaimed[i]);
        }
        if (n > 0) {
            rx.publish();
        }
        return n;
    }

    static byte[] frame(int length, int seed) {
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

    static byte[] bytes(MemorySegment s, long offset, long length) {
        return s.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        mapping.close();
        for (int i = 0; i < 2; i++) {
            TestFiles.close(kick[i]);
            TestFiles.close(call[i]);
        }
    }
}
