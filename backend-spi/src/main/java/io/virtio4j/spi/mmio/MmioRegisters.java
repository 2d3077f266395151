package io.virtio4j.spi.mmio;

/** Register offsets of the virtio-mmio transport, version 2 (spec 4.2.2, table "MMIO Device Register Layout"). */
public final class MmioRegisters {
    private MmioRegisters() {
    }

    /** MagicValue (R): {@link #MAGIC}, "virt". */
    public static final int MAGIC_VALUE = 0x000;
    /** Version (R): {@link #VERSION_2}. */
    public static final int VERSION = 0x004;
    /** DeviceID (R): {@link #DEVICE_ID_NET} for a network card. */
    public static final int DEVICE_ID = 0x008;
    /** VendorID (R): the VMM's vendor id. */
    public static final int VENDOR_ID = 0x00c;
    /** DeviceFeatures (R): 32 of the offered feature bits, selected by {@link #DEVICE_FEATURES_SEL}. */
    public static final int DEVICE_FEATURES = 0x010;
    /** DeviceFeaturesSel (W): which 32 bits {@link #DEVICE_FEATURES} shows (0: bits 0..31). */
    public static final int DEVICE_FEATURES_SEL = 0x014;
    /** DriverFeatures (W): 32 of the accepted feature bits, selected by {@link #DRIVER_FEATURES_SEL}. */
    public static final int DRIVER_FEATURES = 0x020;
    /** DriverFeaturesSel (W): which 32 bits {@link #DRIVER_FEATURES} sets. */
    public static final int DRIVER_FEATURES_SEL = 0x024;
    /** QueueSel (W): the queue the Queue* registers refer to. */
    public static final int QUEUE_SEL = 0x030;
    /** QueueNumMax (R): the largest size of the selected queue. */
    public static final int QUEUE_NUM_MAX = 0x034;
    /** QueueNum (W): the size of the selected queue. */
    public static final int QUEUE_NUM = 0x038;
    /** QueueReady (RW): 1 enables the selected queue. */
    public static final int QUEUE_READY = 0x044;
    /** QueueNotify (W): the driver writes a queue index to kick it (bind an ioeventfd here). */
    public static final int QUEUE_NOTIFY = 0x050;
    /** InterruptStatus (R): {@link #INT_USED_BUFFER} and {@link #INT_CONFIG} bits. */
    public static final int INTERRUPT_STATUS = 0x060;
    /** InterruptACK (W): clears the given InterruptStatus bits. */
    public static final int INTERRUPT_ACK = 0x064;
    /** Status (RW): the device status (spec 2.1); writing 0 resets the device. */
    public static final int STATUS = 0x070;
    /** QueueDescLow (W): low 32 bits of the selected queue's descriptor table address. */
    public static final int QUEUE_DESC_LOW = 0x080;
    /** QueueDescHigh (W): high 32 bits of the descriptor table address. */
    public static final int QUEUE_DESC_HIGH = 0x084;
    /** QueueDriverLow (W): low 32 bits of the available ring address. */
    public static final int QUEUE_DRIVER_LOW = 0x090;
    /** QueueDriverHigh (W): high 32 bits of the available ring address. */
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    /** QueueDeviceLow (W): low 32 bits of the used ring address. */
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    /** QueueDeviceHigh (W): high 32 bits of the used ring address. */
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    /** ConfigGeneration (R): changes when the configuration space changes, so a driver can read it consistently. */
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
