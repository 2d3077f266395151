package io.virtio4j.spi.net;

/** Why a control command got the reply it got; one counter each (spec 5.1.6.5). */
public enum ControlResult {
    /** Applied; replied VIRTIO_NET_OK. */
    OK,
    /** Shorter than the 2-byte header plus the command's data. */
    TRUNCATED,
    /** Longer than the device accepts or than the command's data. */
    TOO_LONG,
    /** A class or command the device does not implement, or whose feature was not negotiated. */
    UNSUPPORTED,
    /** Well-formed but out of range (a pair count outside 1..max, a multicast device MAC). */
    INVALID_VALUE,
    /** More MAC entries than the table holds. */
    TOO_MANY_MACS,
    /** No device-writable byte for the ack: returned with len 0, nothing written. */
    NO_ACK_BYTE;

    static final ControlResult[] VALUES = values();
}
