package io.virtio4j.tap;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.QueueFailureListener;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;

/**
 * Moves the frames of one queue pair between the guest's rings and one TAP queue, on its own
 * thread. Transmit: pop a burst, writev each chain straight from guest memory, one used publish
 * per burst. Receive ({@link TapReceiver}): readv straight into the guest's receive chains (several
 * per frame with MRG_RXBUF), one publish per burst. Idle: re-enable ring notifications, re-check (no lost kick), then sleep in epoll on the
 * two kicks and the TAP fd (edge-triggered).
 */
final class TapQueuePairWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TapQueuePairWorker.class);
    /** Chains per burst: bounds the time between used publishes and between the two directions. */
    static final int BURST = 32;
    /** iovecs per transmitted frame; a longer chain (after region splits) is dropped. */
    static final int MAX_IOVECS = 64;
    /** virtio_net_hdr_v1: 10 bytes the TAP knows, then num_buffers (spec 5.1.6). */
    static final int HEADER_SIZE = VirtioNetHeader.SIZE;
    /** Largest frame without receive GSO: Ethernet + VLAN tag + 1500 (Linux's GOOD_PACKET_LEN). */
    static final int MAX_PLAIN_FRAME = 14 + 4 + 1500;
    /** Largest GSO super-frame the TAP may hand over (64 KiB IP + Ethernet + VLAN). */
    static final int MAX_GSO_FRAME = 65535 + 14 + 4;

    private static final int TOKEN_TX_KICK = 0;
    private static final int TOKEN_RX_KICK = 1;
    private static final int TOKEN_TAP = 2;
    private static final int IDLE_POLL_MILLIS = 200;

    private final DataQueue rxInfo;
    private final DataQueue txInfo;
    private final DeviceQueue rx;
    private final DeviceQueue tx;
    private final TapQueue tap;
    private final QueueFailureListener failures;
    private final boolean tapHasHeader;
    private final DescriptorChain[] txChains;
    private final GuestIovecs txIovecs;
    private final TapReceiver receiver;
    private final EpollPoller poller;
    private final int[] ready = new int[4];
    private final TapDataPathStats stats = new TapDataPathStats();

    private volatile boolean running = true;
    /** False while the driver does not use this pair (VQ_PAIRS_SET): its TAP queue is detached. */
    private volatile boolean receiveEnabled = true;
    private boolean rxFailureReported;
    private boolean txFailureReported;

    TapQueuePairWorker(GuestMemory memory, DataQueue rxInfo, DataQueue txInfo, TapQueue tap, boolean tapHasHeader,
                       boolean guestGso, boolean mergeable, QueueFailureListener failures, Arena arena, Platform platform) {
        this.rxInfo = rxInfo;
        this.txInfo = txInfo;
        this.tap = tap;
        this.failures = failures;
        this.tapHasHeader = tapHasHeader;
        this.rx = new DeviceQueue("tap-rx" + rxInfo.pair(), memory, rxInfo.layout(), rxInfo.availIdx(), rxInfo.usedIdx());
        this.tx = new DeviceQueue("tap-tx" + txInfo.pair(), memory, txInfo.layout(), txInfo.availIdx(), txInfo.usedIdx());
        this.txChains = new DescriptorChain[BURST];
        for (int i = 0; i < BURST; i++) {
            txChains[i] = tx.newChain();
        }
        this.txIovecs = new GuestIovecs(memory, new IovecArray(arena, MAX_IOVECS));
        this.receiver = new TapReceiver(memory, rx, tap, tapHasHeader, mergeable,
                maxFrame(guestGso, mergeable), stats, arena);
        this.poller = EpollPoller.create(platform, 4);
        try {
            poller.register(txInfo.kick(), TOKEN_TX_KICK);
            poller.register(rxInfo.kick(), TOKEN_RX_KICK);
            // Edge-triggered: a TAP holding frames while the guest has no receive buffer must not
            // wake us in a loop; every frame the kernel queues is a new edge, and after any wake-up
            // the loop reads again while it has buffers, so no frame is stranded.
            poller.registerFd(tap.fd(), TOKEN_TAP, LinuxConstants.EPOLLIN | LinuxConstants.EPOLLET);
        } catch (RuntimeException e) {
            poller.close();
            throw e;
        }
    }

    /**
     * The longest frame the TAP may hand over: 64 KiB with receive GSO, and with MRG_RXBUF too
     * (the TAP's MTU in its namespace is not ours to know and may be raised any time; holding
     * 64 KiB of small buffers costs nothing); otherwise an Ethernet frame of MTU 1500 (a driver
     * with a larger MTU and neither feature posts 64 KiB buffers anyway, as Linux's big_packets).
     */
    static long maxFrame(boolean guestGso, boolean mergeable) {
        return guestGso || mergeable ? MAX_GSO_FRAME : MAX_PLAIN_FRAME;
    }

    TapDataPathStats stats() {
        return stats;
    }

    @Override
    public void run() {
        try {
            while (running) {
                boolean busy = transmitBurst() | receiveBurst();
                reportBroken();
                if (!busy) {
                    sleepUntilWork();
                }
            }
        } catch (RuntimeException | Error e) {
            // Not guest input (DeviceQueue absorbs that): a bug or the TAP vanished. Fail both
            // queues so the device asks for a reset instead of silently dropping traffic.
            LOG.error("TAP {} queue {} worker failed; marking queues {} and {} broken", tap.name(), tap.index(),
                    rxInfo.index(), txInfo.index(), e);
            failures.queueBroken(rxInfo.index());
            failures.queueBroken(txInfo.index());
        }
    }

    /** Sends up to one burst; true if it was full (more may be waiting). */
    private boolean transmitBurst() {
        int n = tx.pop(txChains, BURST);
        if (n == 0) {
            return false;
        }
        long skip = tapHasHeader ? 0 : HEADER_SIZE;
        for (int i = 0; i < n; i++) {
            DescriptorChain chain = txChains[i];
            transmit(chain, skip);
            // The device writes nothing into a transmit buffer: used length 0 (spec 5.1.6.2).
            tx.addUsed(chain, 0);
        }
        tx.publish();
        if (tx.needsInterrupt()) {
            txInfo.call().signal();
        }
        return n == BURST;
    }

    private void transmit(DescriptorChain chain, long skip) {
        long readable = chain.readableBytes();
        if (readable < HEADER_SIZE + 14) {
            stats.count(TapDataPathCounter.TX_BAD_CHAINS);
            return;
        }
        int count = txIovecs.map(chain, false, skip);
        if (count <= 0) {
            stats.count(TapDataPathCounter.TX_BAD_CHAINS);
            return;
        }
        long written;
        try {
            written = tap.write(txIovecs.iovecs(), count);
        } catch (TapException e) {
            // Counted and rate-limit logged by TapQueue; the guest gets its buffer back.
            stats.count(TapDataPathCounter.TX_WRITE_FAILURES);
            return;
        }
        if (written == Platform.WOULD_BLOCK) {
            stats.count(TapDataPathCounter.TX_TAP_FULL);
            return;
        }
        stats.count(TapDataPathCounter.TX_FRAMES);
        stats.add(TapDataPathCounter.TX_BYTES, readable - HEADER_SIZE);
    }

    /** Delivers up to one burst; true if it was full and the TAP may hold more. */
    private boolean receiveBurst() {
        if (!receiveEnabled) {
            return false;
        }
        int delivered = receiver.receive(BURST);
        if (delivered > 0) {
            rx.publish();
            if (rx.needsInterrupt()) {
                rxInfo.call().signal();
            }
        }
        return delivered >= BURST && !receiver.tapEmpty();
    }

    /** Arms ring notifications, re-checks, and waits in epoll. */
    private void sleepUntilWork() {
        if (tx.enableNotification()) {
            return;
        }
        if (receiveEnabled && receiver.needsBuffers() && rx.enableNotification()) {
            return;
        }
        int n = poller.poll(ready, IDLE_POLL_MILLIS);
        if (n == 0) {
            stats.count(TapDataPathCounter.IDLE_TIMEOUTS);
        }
        // Busy again: without EVENT_IDX, tell the driver not to kick while we poll the rings.
        tx.disableNotification();
        rx.disableNotification();
        for (int i = 0; i < n; i++) {
            if (ready[i] == TOKEN_TX_KICK) {
                txInfo.kick().consume();
            } else if (ready[i] == TOKEN_RX_KICK) {
                rxInfo.kick().consume();
            }
        }
    }

    private void reportBroken() {
        if (rx.isBroken() && !rxFailureReported) {
            rxFailureReported = true;
            failures.queueBroken(rxInfo.index());
        }
        if (tx.isBroken() && !txFailureReported) {
            txFailureReported = true;
            failures.queueBroken(txInfo.index());
        }
    }

    /** Starts or stops reading the TAP queue (the backend detaches it while disabled). */
    void receiveEnabled(boolean enabled) {
        boolean wake = enabled && !receiveEnabled;
        receiveEnabled = enabled;
        if (wake) {
            poller.wakeup(); // frames may already wait on the freshly attached queue
        }
    }

    /** Asks the loop to end; it leaves within one poll. */
    void requestStop() {
        running = false;
        poller.wakeup();
    }

    /** Receive queue's last avail idx; held (popped, unfilled) chains are given back by counting them as not popped. */
    int rxLastAvailIdx() {
        return receiver.lastAvailIdx();
    }

    int txLastAvailIdx() {
        return tx.lastAvailIdx();
    }

    /** After the thread ended. */
    void close() {
        poller.close();
    }
}
