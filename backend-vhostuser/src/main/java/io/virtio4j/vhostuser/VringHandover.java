package io.virtio4j.vhostuser;

import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.PackedRing;

/**
 * One ring as a front-end hands it to a back-end.
 *
 * @param index  the ring index (rx_n = 2n, tx_n = 2n + 1)
 * @param layout where the driver put it, in guest-physical addresses (split or packed)
 * @param base   where the back-end starts: split, the next avail index; packed, the slot in bits
 *               0-14 and the wrap counter in bit 15 (SET_VRING_BASE carries it so)
 * @param kickFd the eventfd the driver signals (the back-end gets a duplicate)
 * @param callFd the eventfd the back-end signals, or -1 for none (the back-end then never interrupts)
 */
public record VringHandover(int index, QueueLayout layout, int base, int kickFd, int callFd) {
    /** Checks the index (0..255), that the base is a position on this ring, and that a kick eventfd is given. */
    public VringHandover {
        if (index < 0 || index > 0xFF) {
            throw new IllegalArgumentException("ring index " + index + " not in 0..255");
        }
        if (!isPosition(layout, base)) {
            throw new IllegalArgumentException("ring " + index + " base 0x" + Integer.toHexString(base) + " is not a position on a "
                    + layout.size() + "-descriptor " + (layout.packed() ? "packed" : "split") + " ring");
        }
        if (kickFd < 0) {
            throw new IllegalArgumentException("ring " + index + " needs a kick eventfd");
        }
    }

    /**
     * Whether {@code base} (SET_VRING_BASE's or GET_VRING_BASE's number) is a position on a ring of
     * {@code layout}: any 16-bit index on a split ring (it counts modulo 2^16); on a packed ring a
     * slot below the ring size with the wrap counter in bit 15, as DPDK and our back-end report it.
     */
    public static boolean isPosition(QueueLayout layout, int base) {
        if (base < 0 || base > 0xFFFF) {
            return false;
        }
        return !layout.packed() || (base & ~PackedRing.WRAP_BIT) < layout.size();
    }

    /** This ring handed over again from {@code newBase}. */
    public VringHandover from(int newBase) {
        return new VringHandover(index, layout, newBase, kickFd, callFd);
    }
}
