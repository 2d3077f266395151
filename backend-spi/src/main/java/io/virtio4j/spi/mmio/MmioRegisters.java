package io.virtio4j.spi.mmio;

/** Register offsets of the virtio-mmio transport, version 2 (spec 4.2.2, table "MMIO Device Register Layout"). */
public final class MmioRegisters {
    private MmioRegisters() {
    }

    public static final int MAGIC_VALUE = 0x000;
    public static final int VERSION = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int CONFIG_GENERATION = 0x0fc;
    /** Device-specific configuration space starts here. */
    public static final int CONFIG = 0x100;

    /** "virt" in little-endian. */
    public static final int MAGIC = 0x74726976;
    /** The non-legacy interface. */
    public static final int VERSION_2 = 2;
    /** Network card (spec 5: Device Types). */
    public static final int DEVICE_ID_NET = 1;

    /** InterruptStatus bit: a queue has used buffers. */
    public static final int INT_USED_BUFFER = 1;
    /** InterruptStatus bit: the configuration changed. */
    public static final int INT_CONFIG = 2;
}
