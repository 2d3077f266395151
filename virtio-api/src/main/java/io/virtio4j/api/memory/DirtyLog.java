package io.virtio4j.api.memory;

/**
 * Receives every range the device writes through {@link GuestMemory}, so a live-migration dirty
 * bitmap (vhost-user SET_LOG_BASE, vhost-net VHOST_F_LOG_ALL) can be kept. Called on the data path:
 * implementations must not allocate.
 */
@FunctionalInterface
public interface DirtyLog {
    /** Marks [{@code guestAddress}, {@code guestAddress + length}) as written. */
    void markWritten(long guestAddress, long length);
}
