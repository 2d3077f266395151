package io.virtio4j.spi.mmio;

import io.virtio4j.api.log.RateLimitedLogs;

import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.status.StatusTransition;
import io.virtio4j.spi.net.InterruptSink;
import io.virtio4j.spi.net.NetConfigSpace;
import io.virtio4j.spi.net.QueueSetup;
import io.virtio4j.spi.net.VirtioNetDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import static io.virtio4j.spi.mmio.MmioRegisters.*;

/**
 * The virtio-mmio transport, version 2 (spec 4.2.2), over a {@link VirtioNetDevice}: the VMM
 * forwards every guest access to its MMIO window as {@link #read}/{@link #write}. Interrupts set
 * InterruptStatus bits and signal one interrupt notifier (bind it to a KVM irqfd); QueueNotify
 * signals the queue's kick notifier (or is bypassed entirely by binding that to an ioeventfd).
 *
 * <p>Every access the spec does not allow is ignored (reads return 0), counted per
 * {@link BadAccess} and logged rate-limited: a guest cannot make the transport throw.
 * Register accesses come from one vCPU at a time per device (the VMM's MMIO bus serialises them);
 * interrupts may be raised from backend threads, hence the atomic interrupt status.
 */
public final class VirtioMmioTransport implements InterruptSink {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioMmioTransport.class);
    /** Per kind, shared by every device: a guest cannot get lines of its own by making devices. */
    private static final RateLimitedLogs<BadAccess> BAD_ACCESS_LOG = new RateLimitedLogs<>(LOG, 1_000_000_000L, BadAccess.class);

    private final VirtioNetDevice device;
    private final EventNotifier interrupt;
    private final int vendorId;
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicLongArray badAccesses = new AtomicLongArray(BadAccess.VALUES.length);
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private int queueSel;

    /**
     * @param interrupt signalled whenever an InterruptStatus bit is raised (the device's irq line)
     * @param vendorId  the VendorID register value
     */
    public VirtioMmioTransport(VirtioNetDevice device, EventNotifier interrupt, int vendorId) {
        this.device = device;
        this.interrupt = interrupt;
        this.vendorId = vendorId;
        device.attach(this);
    }

    /** One guest read of {@code size} bytes at {@code offset} within the MMIO window. */
    public int read(int offset, int size) {
        if (offset >= CONFIG) {
            return readConfig(offset - CONFIG, size);
        }
        if (size != 4 || (offset & 3) != 0) {
            return bad(BadAccess.WRONG_WIDTH, offset);
        }
        return switch (offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> VERSION_2;
            case DEVICE_ID -> DEVICE_ID_NET;
            case VENDOR_ID -> vendorId;
            case DEVICE_FEATURES -> deviceFeaturesSel > 1 ? 0
                    : (int) (device.offeredFeatures() >>> (32 * deviceFeaturesSel));
            case QUEUE_NUM_MAX -> selectedQueue() == null ? 0 : selectedQueue().maxSize();
            case QUEUE_READY -> selectedQueue() != null && selectedQueue().isReady() ? 1 : 0;
            case INTERRUPT_STATUS -> interruptStatus.get();
            case STATUS -> device.status();
            case CONFIG_GENERATION -> device.configSpace().generation();
            case DEVICE_FEATURES_SEL, DRIVER_FEATURES, DRIVER_FEATURES_SEL, QUEUE_SEL, QUEUE_NUM, QUEUE_NOTIFY,
                 INTERRUPT_ACK, QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_DRIVER_LOW, QUEUE_DRIVER_HIGH,
                 QUEUE_DEVICE_LOW, QUEUE_DEVICE_HIGH -> bad(BadAccess.WRITE_ONLY, offset);
            default -> bad(BadAccess.UNKNOWN_OFFSET, offset);
        };
    }

    private int readConfig(int offset, int size) {
        if ((size != 1 && size != 2 && size != 4) || (offset & (size - 1)) != 0) {
            return bad(BadAccess.WRONG_WIDTH, CONFIG + offset);
        }
        if (offset + size > NetConfigSpace.SIZE) {
            return bad(BadAccess.UNKNOWN_OFFSET, CONFIG + offset);
        }
        return device.configSpace().read(offset, size);
    }

    /** One guest write of {@code size} bytes of {@code value} at {@code offset} within the MMIO window. */
    public void write(int offset, int size, int value) {
        if (offset >= CONFIG) {
            bad(BadAccess.READ_ONLY, offset);
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            bad(BadAccess.WRONG_WIDTH, offset);
            return;
        }
        switch (offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case DRIVER_FEATURES -> check(device.driverFeatures(driverFeaturesSel, value), BadAccess.FEATURES_OUTSIDE_WINDOW, offset);
            case QUEUE_SEL -> {
                queueSel = value;
                if (selectedQueue() == null) {
                    bad(BadAccess.QUEUE_OUT_OF_RANGE, offset);
                }
            }
            case QUEUE_NUM -> queueNum(value);
            case QUEUE_READY -> queueWrite(offset, device.queueReady(queueSel, value == 1));
            case QUEUE_DESC_LOW -> queueWrite(offset, device.queueAddress(queueSel, QueueSetup.Part.DESC, false, value));
            case QUEUE_DESC_HIGH -> queueWrite(offset, device.queueAddress(queueSel, QueueSetup.Part.DESC, true, value));
            case QUEUE_DRIVER_LOW -> queueWrite(offset, device.queueAddress(queueSel, QueueSetup.Part.DRIVER, false, value));
            case QUEUE_DRIVER_HIGH -> queueWrite(offset, device.queueAddress(queueSel, QueueSetup.Part.DRIVER, true, value));
            case QUEUE_DEVICE_LOW -> queueWrite(offset, device.queueAddress(queueSel, QueueSetup.Part.DEVICE, false, value));
            case QUEUE_DEVICE_HIGH -> queueWrite(offset, device.queueAddress(queueSel, QueueSetup.Part.DEVICE, true, value));
            case QUEUE_NOTIFY -> check(device.notifyQueue(value), BadAccess.BAD_NOTIFY, offset);
            case INTERRUPT_ACK -> interruptStatus.getAndUpdate(s -> s & ~value);
            case STATUS -> status(value);
            case MAGIC_VALUE, VERSION, DEVICE_ID, VENDOR_ID, DEVICE_FEATURES, QUEUE_NUM_MAX, INTERRUPT_STATUS,
                 CONFIG_GENERATION -> bad(BadAccess.READ_ONLY, offset);
            default -> bad(BadAccess.UNKNOWN_OFFSET, offset);
        }
    }

    private void status(int value) {
        StatusTransition t = device.writeStatus(value);
        if (t == StatusTransition.RESET) {
            // Spec 4.2.2.1: reset clears the transport's own state too.
            interruptStatus.set(0);
            deviceFeaturesSel = 0;
            driverFeaturesSel = 0;
            queueSel = 0;
        } else if (t == StatusTransition.REJECTED) {
            bad(BadAccess.BAD_STATUS, STATUS);
        }
    }

    private void queueNum(int value) {
        QueueSetup q = selectedQueue();
        if (q == null) {
            bad(BadAccess.QUEUE_OUT_OF_RANGE, QUEUE_NUM);
        } else if (!QueueSetup.isSize(value, q.maxSize(), device.packedRings())) {
            bad(BadAccess.BAD_QUEUE_SIZE, QUEUE_NUM);
        } else {
            queueWrite(QUEUE_NUM, device.queueSize(queueSel, value));
        }
    }

    private void queueWrite(int offset, boolean accepted) {
        if (!accepted) {
            bad(selectedQueue() == null ? BadAccess.QUEUE_OUT_OF_RANGE : BadAccess.QUEUE_LOCKED, offset);
        }
    }

    private void check(boolean accepted, BadAccess kind, int offset) {
        if (!accepted) {
            bad(kind, offset);
        }
    }

    private QueueSetup selectedQueue() {
        return device.queue(queueSel);
    }

    private int bad(BadAccess kind, int offset) {
        badAccesses.incrementAndGet(kind.ordinal());
        // No string is built unless the warning is logged; the offset box is the only cost of a
        // suppressed one (none below 128, the Integer cache).
        BAD_ACCESS_LOG.of(kind).warn("virtio-mmio: ignored access: {} at offset {}", kind, offset);
        return 0;
    }

    @Override
    public void usedBuffer(int index) {
        raise(INT_USED_BUFFER);
    }

    @Override
    public void configChanged() {
        raise(INT_CONFIG);
    }

    private void raise(int bit) {
        interruptStatus.getAndUpdate(s -> s | bit);
        interrupt.signal();
    }

    /** Accesses ignored for {@code kind}. */
    public long badAccesses(BadAccess kind) {
        return badAccesses.get(kind.ordinal());
    }

    /** Accesses ignored in total. */
    public long badAccesses() {
        long total = 0;
        for (int i = 0; i < badAccesses.length(); i++) {
            total += badAccesses.get(i);
        }
        return total;
    }

    /** The current InterruptStatus. */
    public int interruptStatus() {
        return interruptStatus.get();
    }
}
