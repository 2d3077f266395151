package io.virtio4j.samples.demo;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.NotifierPoller;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.ChainCopier;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;

/**
 * The device side of the demo: a virtio-net device whose "wire" loops back, so every frame the
 * guest transmits is received by the same guest. It runs on its own thread, wakes on the kick
 * eventfds, moves frames in bursts with one guest-to-guest copy each, publishes each ring's used
 * index once per burst, and raises the call eventfd only when the driver asked for it.
 */
final class LoopbackDevice implements Runnable {
    static final int BURST = 32;
    private static final int TX_TOKEN = 0;
    private static final int RX_TOKEN = 1;

    private final DeviceQueue tx;
    private final DeviceQueue rx;
    private final ChainCopier copier;
    private final GuestMemory memory;
    private final EventNotifier txKick;
    private final EventNotifier rxKick;
    private final EventNotifier call;
    private final NotifierPoller poller;
    private final DescriptorChain[] txChains = new DescriptorChain[BURST];
    private final DescriptorChain rxChain;
    private final int[] ready = new int[2];
    private volatile boolean running = true;
    private long bursts;
    private long frames;
    private long interrupts;
    private long sleeps;

    LoopbackDevice(GuestMemory memory, QueueLayout txLayout, QueueLayout rxLayout,
                   EventNotifier txKick, EventNotifier rxKick, EventNotifier call) {
        this.memory = memory;
        this.tx = new DeviceQueue("demo-tx", memory, txLayout);
        this.rx = new DeviceQueue("demo-rx", memory, rxLayout);
        this.copier = new ChainCopier(memory);
        this.txKick = txKick;
        this.rxKick = rxKick;
        this.call = call;
        for (int i = 0; i < BURST; i++) {
            txChains[i] = tx.newChain();
        }
        this.rxChain = rx.newChain();
        this.poller = EpollPoller.create();
        poller.register(txKick, TX_TOKEN);
        poller.register(rxKick, RX_TOKEN);
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (forwardBurst() > 0) {
                    continue;
                }
                // Idle: ask for kicks, then re-check so a kick sent before we asked is not lost.
                boolean more = tx.enableNotification() | rx.enableNotification();
                if (!more) {
                    sleeps++;
                    poller.poll(ready, 100);
                    txKick.consume();
                    rxKick.consume();
                }
                tx.disableNotification();
                rx.disableNotification();
            }
        } finally {
            poller.close();
        }
    }

    /** Moves up to one burst of TX chains into RX chains; returns how many. */
    private int forwardBurst() {
        int n = 0;
        while (n < BURST && rx.hasAvailable() && tx.pop(txChains, 1) == 1) {
            DescriptorChain txChain = txChains[0];
            if (!rx.popOne(rxChain)) {
                // The announced RX chain was bad (pop returned it with len 0 and counted it): drop the frame.
                tx.addUsed(txChain, 0);
                continue;
            }
            long copied = copier.copyChain(memory, txChain, 0, rxChain, 0);
            rx.addUsed(rxChain, copied);
            tx.addUsed(txChain, 0);
            n++;
        }
        if (n > 0) {
            // One used-index store per ring per burst, one interrupt at most.
            tx.publish();
            rx.publish();
            if (tx.needsInterrupt() | rx.needsInterrupt()) {
                call.signal();
                interrupts++;
            }
            bursts++;
            frames += n;
        }
        return n;
    }

    void stop() {
        running = false;
        poller.wakeup();
    }

    DeviceQueue txQueue() {
        return tx;
    }

    DeviceQueue rxQueue() {
        return rx;
    }

    long bursts() {
        return bursts;
    }

    long frames() {
        return frames;
    }

    long interrupts() {
        return interrupts;
    }

    long sleeps() {
        return sleeps;
    }
}
