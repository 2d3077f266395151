package io.virtio4j.api.kvm;

/** One assigned ioeventfd or irqfd; {@link #close()} deassigns it (once). */
public interface KvmBinding extends AutoCloseable {
    /** Deassigns the binding. Idempotent; the notifier itself stays open (its owner closes it). */
    @Override
    void close();
}
