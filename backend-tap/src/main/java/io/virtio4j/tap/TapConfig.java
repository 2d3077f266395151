package io.virtio4j.tap;

/**
 * How to open a TAP.
 *
 * @param name        interface name, 1..15 characters; empty lets the kernel pick {@code tap%d}
 * @param queues      number of queues, one fd each; more than one sets IFF_MULTI_QUEUE
 * @param exclusive   true: create a new TAP and fail if the name exists (IFF_TUN_EXCL); false: create
 *                    it or attach to an existing (e.g. persistent, {@code ip tuntap add}) TAP of that name
 * @param vnetHeader  open with IFF_VNET_HDR and a 12-byte header (VERSION_1); false for plain frames
 */
public record TapConfig(String name, int queues, boolean exclusive, boolean vnetHeader) {
    /** The kernel's limit on queues per TUN/TAP device (MAX_TAP_QUEUES). */
    public static final int MAX_QUEUES = 256;

    /** Checks the name (empty: the kernel picks {@code tap%d}; else an interface name of 1..15 characters) and the queue count (1..{@link #MAX_QUEUES}). */
    public TapConfig {
        if (!name.isEmpty()) {
            IfReq.checkName(name);
        }
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new TapException("TAP " + name + ": queue count must be 1.." + MAX_QUEUES + ", was " + queues, 0);
        }
    }

    /** Creates-or-attaches {@code name} with {@code queues} queues and the vnet header. */
    public static TapConfig of(String name, int queues) {
        return new TapConfig(name, queues, false, true);
    }
}
