package io.virtio4j.vhostnet;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.queue.QueueLayout;

/**
 * Where a ring's three parts are mapped in this process: VHOST_SET_VRING_ADDR takes user-space
 * addresses, not guest-physical ones (the kernel worker runs in this process's mm).
 *
 * @param desc  descriptor table
 * @param avail driver (avail) ring
 * @param used  device (used) ring
 */
public record RingAddresses(long desc, long avail, long used) {

    /**
     * Translates {@code layout}'s guest-physical ring addresses through {@code memory}; each part,
     * with its full size, must lie inside one region (the kernel needs it virtually contiguous).
     *
     * @throws VhostException naming the part that is not mapped
     */
    public static RingAddresses of(GuestMemory memory, QueueLayout layout) {
        return new RingAddresses(
                hostAddress(memory, "descriptor table", layout.descAddr(), layout.descBytes()),
                hostAddress(memory, "avail ring", layout.availAddr(), layout.availBytes()),
                hostAddress(memory, "used ring", layout.usedAddr(), layout.usedBytes()));
    }

    private static long hostAddress(GuestMemory memory, String part, long guestAddress, long length) {
        try {
            // slice proves [guestAddress, guestAddress + length) lies inside one native region.
            return memory.slice(guestAddress, length).address();
        } catch (GuestMemoryException e) {
            throw new VhostException("the " + part + " at guest 0x" + Long.toHexString(guestAddress) + " (+" + length
                    + " bytes) is not inside one guest memory region: " + e.getMessage());
        }
    }
}
