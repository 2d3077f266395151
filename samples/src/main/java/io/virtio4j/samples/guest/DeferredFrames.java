package io.virtio4j.samples.guest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Answers a stack produces while the NIC is handing it received frames, held until the receive
 * call has returned: a driver's receive loop and its transmit path share per-queue scratch arrays
 * (reclaimed ids and lengths), so transmitting from inside the loop would corrupt what it still
 * has to re-post. Slots are allocated once; when all are taken an answer is dropped and counted,
 * as a real NIC drops on a full transmit queue.
 */
final class DeferredFrames implements FrameOut {
    /** Answers held at most between two drains: more than a receive burst ever asks for. */
    static final int SLOTS = 64;

    private final MemorySegment[] slots = new MemorySegment[SLOTS];
    private final int[] lengths = new int[SLOTS];
    private int count;
    private long dropped;

    DeferredFrames(Arena arena) {
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = arena.allocate(TinyIpStack.MAX_FRAME);
        }
    }

    @Override
    public boolean send(MemorySegment frame, int length) {
        if (count == SLOTS || length > TinyIpStack.MAX_FRAME) {
            dropped++;
            return false;
        }
        // In bounds: length <= MAX_FRAME, each slot's size, checked above.
        MemorySegment.copy(frame, 0, slots[count], 0, length);
        lengths[count++] = length;
        return true;
    }

    /** Transmits every held answer through {@code nic} in order; those the ring has no room for are dropped and counted. */
    void drainTo(FrameOut nic) {
        for (int i = 0; i < count; i++) {
            if (!nic.send(slots[i], lengths[i])) {
                dropped++;
            }
        }
        count = 0;
    }

    /** Answers dropped: no slot left, or no room on the transmit ring. */
    long dropped() {
        return dropped;
    }
}
