package io.virtio4j.vring;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The device side of one virtqueue, split (spec 2.7) or packed (spec 2.8, when the layout says
 * {@link QueueLayout#packed()}): the one queue the device model, the backends and the switch see.
 * Pops available chains in bursts into caller-owned reusable {@link DescriptorChain}s, takes them
 * back used, publishes a burst of used elements at once, and answers "interrupt the driver?" as a
 * boolean; it knows nothing of notifiers. Single-threaded: one poller owns a queue.
 *
 * <p>A hostile driver cannot make it throw: bad chains go back with len 0 (when the ring lets the
 * device say which buffer it was) and are counted per {@link ChainError}; a driver that breaks the
 * ring itself (a split avail idx running away, a packed chain running into slots it never made
 * available) marks the queue broken (the device then sets DEVICE_NEEDS_RESET) and it stops; other
 * queues are not affected.
 *
 * <p>Positions ({@link #lastAvailIdx()}, {@link #usedIdx()}, and the constructor's) are what
 * vhost-user's GET/SET_VRING_BASE carry: a split ring's 16-bit index, or a packed ring's slot
 * (bits 0-14) with its wrap counter in bit 15, as DPDK and QEMU encode it.
 *
 * <p>Tested by (behaviour tests, vring-impl): {@code HostileDriverTest} and
 * {@code PackedHostileDriverTest} (every refusal, the runaway and broken-ring cases, unpop),
 * {@code SplitRingTest} and {@code PackedRingTest} (the protocol with our driver side),
 * {@code NotificationTest} (interrupt suppression), {@code RoundTripTest} (every byte both ways past
 * the index wraps), {@code RingAllocationTest} (no allocation per burst), {@code RefusalLogFloodTest}
 * (log limits across queues), and the fuzz targets {@code SplitRingFuzzTest},
 * {@code PackedRingFuzzTest} and {@code DeviceFuzzTest}.
 */
public final class DeviceQueue {
    static final Logger LOG = LoggerFactory.getLogger(DeviceQueue.class);
    /**
     * Shared by every queue made without limiters of its own: a driver that resets or reconnects
     * in a loop makes fresh queues, and each must not get lines of its own. Per kind, so one flood
     * does not hide another kind. A device that outlives its drivers (a switch port) passes its
     * own {@link #refusalLogs()} instead, so one hostile guest cannot silence another's lines.
     */
    static final RateLimitedLogs<ChainError> REFUSAL_LOG = refusalLogs();
    /** Longest chain an indirect table may give us; as vhost's UIO_MAXIOV. */
    static final int INDIRECT_CHAIN_CAPACITY = 1024;

    private final String name;
    private final QueueCounters counters = new QueueCounters();
    private final DeviceRing ring;

    /**
     * Maps the queue; starts at {@code availPosition}/{@code usedPosition} ({@link #freshPosition}
     * for a fresh queue, the SET_VRING_BASE value to resume).
     *
     * @throws VirtqueueException if the layout is invalid for this guest memory, or a packed
     *                            position names a slot outside the ring
     */
    public DeviceQueue(String name, GuestMemory memory, QueueLayout layout, int availPosition, int usedPosition) {
        this(name, memory, layout, availPosition, usedPosition, REFUSAL_LOG);
    }

    /**
     * As {@link #DeviceQueue(String, GuestMemory, QueueLayout, int, int)}, its refused chains logged
     * through {@code refusals} (one device's limiters, kept across its drivers' sessions).
     */
    public DeviceQueue(String name, GuestMemory memory, QueueLayout layout, int availPosition, int usedPosition,
                       RateLimitedLogs<ChainError> refusals) {
        this.name = name;
        this.ring = layout.packed()
                ? new PackedDeviceRing(name, memory, layout, availPosition, usedPosition, counters, refusals)
                : new SplitDeviceRing(name, memory, layout, availPosition, usedPosition, counters, refusals);
    }

    /** Fresh refused-chain limiters: one line per kind per second, with the count suppressed. */
    public static RateLimitedLogs<ChainError> refusalLogs() {
        return new RateLimitedLogs<>(LOG, TimeUnit.SECONDS.toNanos(1), ChainError.class);
    }

    /** A fresh queue; see {@link #DeviceQueue(String, GuestMemory, QueueLayout, int, int)}. */
    public DeviceQueue(String name, GuestMemory memory, QueueLayout layout) {
        this(name, memory, layout, freshPosition(layout), freshPosition(layout));
    }

    /**
     * Where both sides of a new queue start: index 0 for a split ring; slot 0 with the wrap
     * counter 1 for a packed ring (spec 2.8.1), i.e. 0x8000, which is also what QEMU and DPDK's
     * virtio_user send in SET_VRING_BASE for a new packed ring.
     */
    public static int freshPosition(QueueLayout layout) {
        return layout.packed() ? PackedRing.WRAP_BIT : 0;
    }

    /** A reusable chain big enough for any chain this queue accepts. */
    public DescriptorChain newChain() {
        return ring.newChain();
    }

    /**
     * Pops up to {@code max} good chains into {@code chains[0..n)}; returns n. Bad chains are
     * returned to the driver with len 0 and counted, not handed out. Never throws for guest input.
     */
    public int pop(DescriptorChain[] chains, int max) {
        return ring.pop(chains, max);
    }

    /** Pops one chain into {@code chain}; false if none (or the queue is broken). */
    public boolean popOne(DescriptorChain chain) {
        return ring.popOne(chain);
    }

    /**
     * Gives back the last {@code count} chains popped, unused: they stay available and the next pop
     * returns them again (as DPDK's vhost leaves reserved but unfilled RX descriptors for the next
     * burst). Only chains popped since the last refusal can be given back, and only before anything
     * was added to the used ring for them; returns false (and gives nothing back) otherwise, and
     * the caller then returns them used with length 0.
     */
    public boolean unpop(int count) {
        return ring.unpop(count);
    }

    /** Puts a processed chain on the used ring (not yet visible to the driver: see {@link #publish()}). */
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        ring.addUsed(chain.head(), writtenBytes);
    }

    /**
     * Puts the chain named {@code head} (a split head index, a packed buffer id) with
     * {@code writtenBytes} on the used ring; refused and counted as {@link ChainError#USED_ID_INVALID}
     * unless it names a chain popped and not yet used.
     */
    public void addUsed(int head, long writtenBytes) {
        ring.addUsed(head, writtenBytes);
    }

    /** Makes every used element added since the last publish visible to the driver at once. */
    public void publish() {
        ring.publish();
    }

    /**
     * Whether the driver wants an interrupt for what was published since the last call (spec
     * 2.7.7.2 vring_need_event, or 2.8.10 driver event suppression). Call after {@link #publish()}.
     */
    public boolean needsInterrupt() {
        return ring.needsInterrupt();
    }

    /**
     * Asks the driver to kick again, then re-checks the ring so a kick sent before the request was
     * seen is not lost. Returns whether more work is already available.
     */
    public boolean enableNotification() {
        return ring.enableNotification();
    }

    /** Tells the driver kicks are not needed while we poll. */
    public void disableNotification() {
        ring.disableNotification();
    }

    /** Whether the driver made chains available we have not popped (false once broken). */
    public boolean hasAvailable() {
        return ring.hasAvailable();
    }

    /** The position the next pop reads from: what GET_VRING_BASE returns (see the class comment). */
    public int lastAvailIdx() {
        return ring.lastAvailIdx();
    }

    /** The used position the driver can see (see the class comment). */
    public int usedIdx() {
        return ring.usedIdx();
    }

    /** True after the driver broke the ring's invariants; the device must set DEVICE_NEEDS_RESET. */
    public boolean isBroken() {
        return ring.isBroken();
    }

    /** Whether this is a packed ring (spec 2.8). */
    public boolean isPacked() {
        return ring instanceof PackedDeviceRing;
    }

    /** This queue's counters: chains served, refused per reason, interrupts. */
    public QueueCounters counters() {
        return counters;
    }

    /** The queue size: number of descriptors. */
    public int size() {
        return ring.size();
    }

    /** The name given at construction, used in logs and counters. */
    public String name() {
        return name;
    }

    /** One rate-limited line per refused chain kind, through the queue's limiters. */
    static void logRefusal(RateLimitedLogs<ChainError> refusals, String queue, ChainError error, long detail) {
        RateLimitedLog log = refusals.of(error);
        if (log.allow()) {
            LOG.warn("{}: refused descriptor chain: {} (detail {}), {} similar suppressed",
                    queue, error, detail, log.takeSuppressed());
        }
    }
}
