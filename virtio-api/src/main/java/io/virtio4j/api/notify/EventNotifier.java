package io.virtio4j.api.notify;

/**
 * One direction of virtio signalling: a kick (driver to device, "buffers are available") or a call
 * (device to driver, "buffers are used", an interrupt). With KVM the kick is an ioeventfd and the
 * call an irqfd; with vhost-user and vhost-net the fd itself is handed to the other side.
 *
 * <p>Signals coalesce: several {@link #signal()}s before a {@link #consume()} are seen as one
 * wake-up, as with an eventfd counter.
 */
public interface EventNotifier extends AutoCloseable {
    /** Raises the event. Never blocks (an eventfd counter at its maximum is already signalled). */
    void signal();

    /**
     * Clears the event without blocking.
     *
     * @return how many signals were pending (0 if none)
     */
    long consume();

    /** The file descriptor behind this notifier, or -1 if it has none (an in-memory notifier). */
    int fd();

    /** Releases the fd, if any. Idempotent. */
    @Override
    void close();
}
