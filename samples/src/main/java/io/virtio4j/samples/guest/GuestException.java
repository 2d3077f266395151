package io.virtio4j.samples.guest;

/** A demo guest's operation failed: no ARP answer, no echo reply, a ring that stayed full. */
public final class GuestException extends RuntimeException {
    public GuestException(String message) {
        super(message);
    }
}
