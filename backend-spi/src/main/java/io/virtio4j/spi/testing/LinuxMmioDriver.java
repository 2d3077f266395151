package io.virtio4j.spi.testing;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.vring.DriverQueue;

import static io.virtio4j.spi.mmio.MmioRegisters.*;

/**
 * The register sequence of Linux drivers/virtio/virtio_mmio.c (vm_probe, vm_reset,
 * vm_get_features/vm_finalize_features, vm_setup_vq, vm_set_status), driven against the transport.
 */
public final class LinuxMmioDriver {
    /** Guest address of queue 0's rings. */
    public static final long RING_BASE = 0x10000;
    /** Distance between the rings of consecutive queues. */
    public static final long RING_STRIDE = 0x4000;

    private final VirtioMmioTransport mmio;
    private final GuestMemory memory;

    /** A driver for the device behind {@code mmio}, its rings in {@code memory}. */
    public LinuxMmioDriver(VirtioMmioTransport mmio, GuestMemory memory) {
        this.mmio = mmio;
        this.memory = memory;
    }

    /** A 32-bit register read. */
    public int read(int offset) {
        return mmio.read(offset, 4);
    }

    /** A 32-bit register write. */
    public void write(int offset, int value) {
        mmio.write(offset, 4, value);
    }

    /** vm_probe + reset + ACKNOWLEDGE + DRIVER; returns the device's features. */
    public long probe() {
        expect("MagicValue", MAGIC, read(MAGIC_VALUE));
        expect("Version", VERSION_2, read(VERSION));
        expect("DeviceID", DEVICE_ID_NET, read(DEVICE_ID));
        write(STATUS, 0);
        write(STATUS, DeviceStatus.ACKNOWLEDGE);
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        write(DEVICE_FEATURES_SEL, 1);
        long high = Integer.toUnsignedLong(read(DEVICE_FEATURES));
        write(DEVICE_FEATURES_SEL, 0);
        long low = Integer.toUnsignedLong(read(DEVICE_FEATURES));
        return high << 32 | low;
    }

    /** vm_finalize_features + FEATURES_OK; returns whether the device kept FEATURES_OK on read-back. */
    public boolean negotiate(long acked) {
        write(DRIVER_FEATURES_SEL, 1);
        write(DRIVER_FEATURES, (int) (acked >>> 32));
        write(DRIVER_FEATURES_SEL, 0);
        write(DRIVER_FEATURES, (int) acked);
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        return (read(STATUS) & DeviceStatus.FEATURES_OK) != 0;
    }

    /** The split ring layout this driver uses for queue {@code index}. */
    public static QueueLayout layout(int index, int size, boolean eventIdx, boolean indirect) {
        return QueueLayout.contiguous(size, RING_BASE + index * RING_STRIDE, eventIdx, indirect);
    }

    /** The ring layout this driver uses for queue {@code index}, packed (VIRTIO_F_RING_PACKED) or split. */
    public static QueueLayout layout(int index, int size, boolean eventIdx, boolean indirect, boolean packed) {
        return packed ? QueueLayout.packed(size, RING_BASE + index * RING_STRIDE, eventIdx, indirect)
                : layout(index, size, eventIdx, indirect);
    }

    /** vm_setup_vq with a split ring; see {@link #setupQueue(int, int, boolean, boolean)}. */
    public DriverQueue setupQueue(int index, int size, boolean eventIdx) {
        return setupQueue(index, size, eventIdx, false);
    }

    /**
     * vm_setup_vq: select, check not ready, read max, write num and the three addresses (the
     * descriptor ring and the two event suppression structures when {@code packed}), ready.
     */
    public DriverQueue setupQueue(int index, int size, boolean eventIdx, boolean packed) {
        QueueLayout layout = layout(index, size, eventIdx, false, packed);
        write(QUEUE_SEL, index);
        expect("QueueReady of an unused queue", 0, read(QUEUE_READY));
        int max = read(QUEUE_NUM_MAX);
        if (max < size) {
            throw new AssertionError("queue " + index + " max " + max + " < " + size);
        }
        write(QUEUE_NUM, size);
        writeAddress(QUEUE_DESC_LOW, layout.descAddr());
        writeAddress(QUEUE_DRIVER_LOW, layout.availAddr());
        writeAddress(QUEUE_DEVICE_LOW, layout.usedAddr());
        DriverQueue queue = new DriverQueue(memory, layout);
        write(QUEUE_READY, 1);
        return queue;
    }

    /** A 64-bit address as Linux writes it: low half at {@code lowOffset}, high half 4 bytes on. */
    public void writeAddress(int lowOffset, long address) {
        write(lowOffset, (int) address);
        write(lowOffset + 4, (int) (address >>> 32));
    }

    /** DRIVER_OK; returns the status read back. */
    public int driverOk() {
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK);
        return read(STATUS);
    }

    /** What Linux's virtio_mmio probe checks: a register that reads wrong ends the bring-up. */
    private static void expect(String register, int expected, int actual) {
        if (expected != actual) {
            throw new IllegalStateException(register + " reads 0x" + Integer.toHexString(actual)
                    + ", expected 0x" + Integer.toHexString(expected));
        }
    }
}
