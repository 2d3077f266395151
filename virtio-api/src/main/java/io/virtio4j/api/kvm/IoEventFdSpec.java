package io.virtio4j.api.kvm;

/**
 * Which guest write fires an ioeventfd.
 *
 * @param space     MMIO or port I/O
 * @param address   guest-physical address or port number
 * @param length    access width in bytes: 1, 2, 4 or 8, or 0 for any width (MMIO only)
 * @param datamatch the value the write must carry, or null to fire on any value (virtio-mmio's
 *                  QueueNotify carries the queue index, so one register can serve many queues)
 */
public record IoEventFdSpec(IoEventSpace space, long address, int length, Long datamatch) {

    /** Validates the spec before any ioctl: the kernel would refuse these with a bare EINVAL. */
    public IoEventFdSpec {
        if (space == null) {
            throw new IllegalArgumentException("ioeventfd space is null");
        }
        if (length != 0 && length != 1 && length != 2 && length != 4 && length != 8) {
            throw new IllegalArgumentException("ioeventfd length must be 0, 1, 2, 4 or 8, got " + length);
        }
        if (length == 0 && datamatch != null) {
            throw new IllegalArgumentException("a datamatch needs a fixed access length");
        }
        if (length == 0 && space == IoEventSpace.PIO) {
            throw new IllegalArgumentException("a port ioeventfd needs a fixed access length");
        }
        if (address < 0 || Long.MAX_VALUE - address < length) {
            throw new IllegalArgumentException("ioeventfd address 0x" + Long.toHexString(address) + " overflows");
        }
        if (space == IoEventSpace.PIO && address + length > 0x10000) {
            throw new IllegalArgumentException("port 0x" + Long.toHexString(address) + " is beyond 0xffff");
        }
    }

    /** A virtio-mmio QueueNotify register: a 4-byte write of {@code queueIndex} at {@code address}. */
    public static IoEventFdSpec mmioQueueNotify(long address, int queueIndex) {
        return new IoEventFdSpec(IoEventSpace.MMIO, address, 4, (long) queueIndex);
    }

    /** A port write of {@code length} bytes, any value. */
    public static IoEventFdSpec port(int port, int length) {
        return new IoEventFdSpec(IoEventSpace.PIO, port, length, null);
    }
}
