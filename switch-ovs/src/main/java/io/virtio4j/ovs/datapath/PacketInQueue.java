package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.SwitchPort;

/**
 * Frames the PMDs hand to the OpenFlow agent for PACKET_IN (output:CONTROLLER): a bounded ring of
 * {@link #SLOTS} preallocated slots, each with room for a whole frame, filled by any PMD and
 * emptied by one control-side thread. A producer claims a slot with one compare-and-set on the
 * tail, copies the frame's first bytes in and publishes it by its sequence number (Dmitry
 * Vyukov's bounded queue); when every slot is taken the frame is not queued and is counted in
 * {@link #dropped()}: the controller's rate is bounded by the agent's pace and this ring, never by
 * the data path's. Nothing is allocated or locked per frame.
 *
 * <p>The consumer sleeps in {@link #await} until a frame is published (no polling: a thread
 * waking every millisecond to look took about 3% of the CPU a PMD shared with it, and the PMD's
 * caches with it). A producer wakes it only while it waits, so frames queued to an awake consumer
 * cost no wake-up.
 */
public final class PacketInQueue {
    /** Slots: frames waiting for the agent; more are dropped and counted. */
    public static final int SLOTS = 64;
    private static final int MASK = SLOTS - 1;

    /** One frame for the controllers, with what the PACKET_IN says about it. */
    public static final class Slot {
        private final byte[] data = new byte[SwitchPort.MAX_FRAME];
        private final MemorySegment memory = MemorySegment.ofArray(data);
        private volatile long sequence;
        private int length;
        private int frameLength;
        private String port;
        private int reason;
        private int table;
        private long cookie;

        /** The bytes copied (at most the action's max_len). */
        public byte[] data() {
            return data;
        }

        /** How many bytes of {@link #data()} hold the frame's first bytes. */
        public int length() {
            return length;
        }

        /** The whole frame's length (PACKET_IN's total_len). */
        public int frameLength() {
            return frameLength;
        }

        /** The name of the port the frame came in on. */
        public String port() {
            return port;
        }

        /** OFPR_NO_MATCH or OFPR_ACTION. */
        public int reason() {
            return reason;
        }

        /** The OpenFlow table of the flow that sent it. */
        public int table() {
            return table;
        }

        /** That flow's cookie. */
        public long cookie() {
            return cookie;
        }
    }

    /** What the agent does with each queued frame (during the call only: the slot is reused after). */
    @FunctionalInterface
    public interface Handler {
        void packetIn(Slot slot);
    }

    private final Slot[] slots = new Slot[SLOTS];
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** The consumer's position: one thread ({@link #drain}'s caller) reads and writes it. */
    private long head;
    /** The consumer while it sleeps in {@link #await}, else null: a producer that publishes wakes it. */
    private volatile Thread waiting;

    /** Every slot allocated once, up front (about SLOTS x MAX_FRAME bytes). */
    public PacketInQueue() {
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot();
            slots[i].sequence = i;
        }
    }

    /**
     * Queues the first {@code maxLength} bytes of {@code frame} (a PMD): false, counted, when the
     * ring is full. {@code maxLength} above the frame's length means the whole frame.
     */
    public boolean offer(Frame frame, int maxLength, String port, int reason, int table, long cookie) {
        long position = tail.get();
        Slot slot;
        while (true) {
            slot = slots[(int) (position & MASK)];
            long lag = slot.sequence - position;
            if (lag == 0) {
                if (tail.compareAndSet(position, position + 1)) {
                    break;
                }
                position = tail.get();
            } else if (lag < 0) {
                dropped.incrementAndGet(); // the agent is a whole ring behind
                return false;
            } else {
                position = tail.get(); // another producer took this slot: try the new tail
            }
        }
        int frameLength = (int) Math.min(frame.length(), SwitchPort.MAX_FRAME);
        int length = Math.min(frameLength, maxLength);
        try {
            // In bounds: length <= MAX_FRAME, the slot's size, and <= the frame's length.
            frame.read(0, slot.memory, 0, length);
        } catch (RuntimeException e) {
            // The frame's memory went away under it (a guest remapped): publish an empty slot, skipped.
            length = -1;
        }
        slot.length = length;
        slot.frameLength = frameLength;
        slot.port = port;
        slot.reason = reason;
        slot.table = table;
        slot.cookie = cookie;
        slot.sequence = position + 1; // publishes the fields above (volatile write)
        // After the publishing write: the consumer announces itself before its last look (await),
        // so one of the two sees the other and no frame waits out a sleep.
        Thread consumer = waiting;
        if (consumer != null) {
            LockSupport.unpark(consumer);
        }
        return length >= 0;
    }

    /**
     * Sleeps (the consumer, {@link #drain}'s thread) until a frame is queued, {@code timeoutNanos}
     * pass or the thread is interrupted; returns at once if a frame is waiting already.
     */
    public void await(long timeoutNanos) {
        waiting = Thread.currentThread();
        try {
            if (slots[(int) (head & MASK)].sequence != head + 1) {
                LockSupport.parkNanos(this, timeoutNanos);
            }
        } finally {
            waiting = null;
        }
    }

    /** Hands every queued frame to {@code handler}, oldest first; returns how many. One thread only. */
    public int drain(Handler handler) {
        int n = 0;
        while (true) {
            Slot slot = slots[(int) (head & MASK)];
            if (slot.sequence != head + 1) {
                return n;
            }
            try {
                if (slot.length >= 0) {
                    handler.packetIn(slot);
                    n++;
                }
            } finally {
                slot.port = null;
                slot.sequence = head + SLOTS; // free for the producer one lap later
                head++;
            }
        }
    }

    /** Frames not queued because every slot was taken. */
    public long dropped() {
        return dropped.get();
    }
}
