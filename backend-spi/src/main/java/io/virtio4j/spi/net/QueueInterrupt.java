package io.virtio4j.spi.net;

import io.virtio4j.api.notify.EventNotifier;

import java.util.function.Supplier;

/**
 * A queue's call notifier when the transport has no fd to hand out (virtio-mmio without irqfd):
 * {@link #signal()} forwards to the transport's {@link InterruptSink}, which sets the interrupt
 * status and signals the one interrupt line. Backends see an ordinary {@link EventNotifier}.
 */
final class QueueInterrupt implements EventNotifier {
    private final int index;
    private final Supplier<InterruptSink> sink;

    QueueInterrupt(int index, Supplier<InterruptSink> sink) {
        this.index = index;
        this.sink = sink;
    }

    @Override
    public void signal() {
        InterruptSink s = sink.get();
        if (s != null) {
            s.usedBuffer(index);
        }
    }

    /** Nothing to consume: the interrupt state lives in the transport (InterruptStatus/ACK). */
    @Override
    public long consume() {
        return 0;
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public void close() {
    }
}
