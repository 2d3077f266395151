package io.virtio4j.samples.demo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.DriverQueue;

/**
 * The guest side of the demo: what a virtio-net driver does with one queue pair. It transmits
 * frames (a 12-byte virtio-net header plus the frame, as one readable buffer), keeps the receive
 * ring stocked with writable buffers, kicks only when the device asked for it, and waits on the
 * call eventfd only after re-enabling interrupts and finding nothing.
 */
final class DemoGuest implements AutoCloseable {
    static final int NET_HDR = 12;
    static final int BUFFER = 2048;

    private final GuestMemory memory;
    private final DriverQueue tx;
    private final DriverQueue rx;
    private final EventNotifier txKick;
    private final EventNotifier rxKick;
    private final EventNotifier call;
    private final EpollPoller poller = EpollPoller.create();
    private final long txBufferBase;
    private final long rxBufferBase;
    private final int txSlots;
    private final long[] rxAddressByHead;
    private final long[] addr = new long[1];
    private final int[] len = new int[1];
    private final boolean[] writable = new boolean[1];
    private final int[] ids;
    private final int[] lens;
    private final int[] ready = new int[1];
    private final long[] reposts;
    private final MemorySegment scratch = Arena.ofAuto().allocate(BUFFER);
    private int nextTxSlot;
    long kicks;
    long kicksSuppressed;
    long waits;

    DemoGuest(GuestMemory memory, QueueLayout txLayout, QueueLayout rxLayout, long txBufferBase, long rxBufferBase,
              EventNotifier txKick, EventNotifier rxKick, EventNotifier call) {
        this.memory = memory;
        this.tx = new DriverQueue(memory, txLayout);
        this.rx = new DriverQueue(memory, rxLayout);
        this.txKick = txKick;
        this.rxKick = rxKick;
        this.call = call;
        this.txBufferBase = txBufferBase;
        this.rxBufferBase = rxBufferBase;
        this.txSlots = 2 * txLayout.size();
        this.rxAddressByHead = new long[rxLayout.size()];
        this.ids = new int[Math.max(txLayout.size(), rxLayout.size())];
        this.lens = new int[ids.length];
        this.reposts = new long[ids.length];
        poller.register(call, 0);
        tx.enableInterrupts(false);
        for (int i = 0; i < rxLayout.size(); i++) {
            postRx(rxBufferBase + (long) i * BUFFER);
        }
        flush(rx, rxKick);
    }

    /** Free TX descriptors. */
    int txFree() {
        return tx.freeCount();
    }

    /**
     * Queues {@code length} bytes of {@code frame} for transmission behind a zeroed virtio-net
     * header. Buffers rotate over twice the queue size, so a slot is reused only after the chain
     * that held it has come back.
     */
    void queueFrame(MemorySegment frame, int length) {
        long buffer = txBufferBase + (long) (nextTxSlot++ % txSlots) * BUFFER;
        // A zeroed 12-byte virtio-net header: no offloads, num_buffers unused on transmit.
        scratch.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 0);
        MemorySegment.copy(frame, 0, scratch, NET_HDR, length);
        memory.write(buffer, scratch, 0, NET_HDR + length);
        addOne(tx, buffer, NET_HDR + length, false);
    }

    /** Queues a chain whose one buffer is wherever the caller says (for the hostile-driver step). */
    void queueRaw(long guestAddress, int length) {
        addOne(tx, guestAddress, length, false);
    }

    /** Makes queued frames visible and kicks if the device wants it. */
    void flushTx() {
        flush(tx, txKick);
    }

    /** Reclaims transmitted chains; returns how many. */
    int reclaimTx() {
        return tx.reclaim(ids, lens, ids.length);
    }

    /** A received frame: its bytes (header stripped) are in {@code frame}. */
    @FunctionalInterface
    interface Receiver {
        void frame(MemorySegment frame, int length);
    }

    /** Hands every received frame to {@code receiver}, re-posts the buffers; returns how many. */
    int receive(Receiver receiver) {
        int n = rx.reclaim(ids, lens, ids.length);
        // Two passes: re-posting reuses freed heads (LIFO), which would overwrite the
        // head-to-buffer map for ids not yet delivered.
        for (int i = 0; i < n; i++) {
            long buffer = rxAddressByHead[ids[i]];
            reposts[i] = buffer;
            int frameLength = Math.max(0, lens[i] - NET_HDR);
            memory.read(buffer + NET_HDR, scratch, 0, frameLength);
            receiver.frame(scratch, frameLength);
        }
        for (int i = 0; i < n; i++) {
            postRx(reposts[i]);
        }
        if (n > 0) {
            flush(rx, rxKick);
        }
        return n;
    }

    /**
     * Sleeps until the device signals (or {@code millis} pass): interrupts are enabled first and
     * the rings re-checked by the caller's next pass, so a completion cannot be missed.
     */
    void awaitInterrupt(int millis) {
        rx.enableInterrupts(true);
        waits++;
        poller.poll(ready, millis);
        call.consume();
        rx.enableInterrupts(false);
    }

    /** Reads the 32-bit sequence number at {@code offset} of a frame. */
    static int sequence(MemorySegment frame, int offset) {
        return frame.get(ValueLayout.JAVA_INT_UNALIGNED, offset);
    }

    private void postRx(long buffer) {
        int head = addOne(rx, buffer, BUFFER, true);
        rxAddressByHead[head] = buffer;
    }

    private int addOne(DriverQueue queue, long address, int length, boolean isWritable) {
        addr[0] = address;
        len[0] = length;
        writable[0] = isWritable;
        return queue.add(addr, len, writable, 1);
    }

    private void flush(DriverQueue queue, EventNotifier kick) {
        queue.publish();
        if (queue.shouldKick()) {
            kick.signal();
            kicks++;
        } else {
            kicksSuppressed++;
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
