package io.virtio4j.spi.net;

import io.virtio4j.api.log.RateLimitedLog;

import io.virtio4j.api.feature.FeatureNegotiation;
import io.virtio4j.api.feature.FeatureNegotiationException;
import io.virtio4j.api.feature.FeatureRule;
import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.api.status.DeviceStatusMachine;
import io.virtio4j.api.status.StatusListener;
import io.virtio4j.api.status.StatusTransition;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.vring.DeviceQueue;
import io.virtio4j.vring.QueueCounters;
import io.virtio4j.vring.VirtqueueException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The virtio-net device (spec 5.1) a VMM embeds behind a transport: feature negotiation, the
 * status machine, the configuration space, the per-queue setup the driver writes, the control
 * queue (executed here), and the hand-over of the data queues to a {@link NetBackend} at
 * DRIVER_OK. Queue indices are rx0, tx0, rx1, tx1, ..., then the control queue (at 2 without MQ,
 * at 2 * max_virtqueue_pairs with it, spec 5.1.2).
 *
 * <p>Thread safety: register accesses and backend failure reports are serialised on this object;
 * data-queue kicks only signal a notifier.
 *
 * <p>Tested by (behaviour tests, through the virtio-mmio transport as a guest driver reaches it):
 * {@code VirtioMmioTransportTest}, {@code ControlQueueTest} (the control queue),
 * {@code LoopbackDataPlaneTest} (queue hand-over, kick and interrupt) and {@code MmioNetDriverTest}
 * in backend-spi; with real backends {@code TapNetDeviceKernelTest} and
 * {@code TapDeviceKernelTest} (backend-tap) and {@code VhostUserNetDeviceTest} (backend-vhostuser).
 */
public final class VirtioNetDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioNetDevice.class);
    // One limiter per kind of refusal, shared by every device: a guest that resets or re-creates
    // its device in a loop gets no lines of its own, and one kind cannot hide another.
    private static final RateLimitedLog STATUS_REFUSED = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog QUEUE_BROKEN = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog START_REFUSED = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog FEATURES_REFUSED = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog PAIRS_FAILED = new RateLimitedLog(LOG, 1_000_000_000L);
    private static final RateLimitedLog BACKEND_FAILED = new RateLimitedLog(LOG, 1_000_000_000L);

    private final NetDeviceConfig config;
    private final GuestMemory memory;
    private final FeatureNegotiation negotiation;
    private final DeviceStatusMachine status;
    private final NetConfigSpace configSpace;
    private final ControlState control;
    private final QueueSetup[] queues;
    private final EventNotifier[] kicks;
    private final EventNotifier[] calls;
    private volatile InterruptSink sink;
    private long driverFeatures;
    private ControlQueueProcessor controlQueue;
    private boolean backendRunning;
    private int[] lastStoppedAvailIdx = new int[0];
    /** Queues handed out at the last start (data queues and the control queue). */
    private final boolean[] started;
    /**
     * A queue failure reported by a backend thread, applied to the status at the next status
     * access. Backends must not take the device lock: stop() runs under it and may join them.
     */
    private final AtomicBoolean failurePending = new AtomicBoolean();
    private final AtomicLong queueFailures = new AtomicLong();
    private volatile boolean running;
    private long startFailures;

    /**
     * @param kickFactory makes one kick notifier per queue (an {@code EventfdNotifier} a VMM binds
     *                    to KVM ioeventfd, or an {@code InMemoryNotifier} in process); closed by
     *                    {@link #close()}
     */
    public VirtioNetDevice(NetDeviceConfig config, GuestMemory memory, Supplier<EventNotifier> kickFactory) {
        this.config = config;
        this.memory = memory;
        this.negotiation = new FeatureNegotiation(
                NetFeatureSet.offered(config.backend().supportedFeatures(), config.maxQueuePairs()), FeatureRule.NET);
        this.status = new DeviceStatusMachine(new Lifecycle());
        this.configSpace = new NetConfigSpace(config.mac(), config.maxQueuePairs(), config.mtu());
        configSpace.updateStatus(NetConfigSpace.STATUS_LINK_UP, 0);
        this.control = new ControlState(config.mac());
        int count = 2 * config.maxQueuePairs() + 1;
        this.queues = new QueueSetup[count];
        this.kicks = new EventNotifier[count];
        this.calls = new EventNotifier[count];
        this.started = new boolean[count];
        for (int i = 0; i < count; i++) {
            queues[i] = new QueueSetup(config.queueSize());
            calls[i] = new QueueInterrupt(i, () -> sink);
        }
        try {
            for (int i = 0; i < count; i++) {
                kicks[i] = kickFactory.get();
            }
        } catch (RuntimeException e) {
            closeKicks();
            throw new NetDeviceException("cannot create kick notifiers", e);
        }
    }

    /** Connects the transport that delivers interrupts. */
    public void attach(InterruptSink interrupts) {
        this.sink = interrupts;
    }

    /** Number of queue slots: 2 * max pairs + the control queue. */
    public int queueCount() {
        return queues.length;
    }

    /** The setup of queue {@code index}, or null if out of range. */
    public QueueSetup queue(int index) {
        return index >= 0 && index < queues.length ? queues[index] : null;
    }

    /** The kick notifier of queue {@code index} (for a VMM to bind to an ioeventfd). */
    public EventNotifier kickNotifier(int index) {
        return kicks[index];
    }

    /** The feature bits the device offers: what it implements, limited to what the backend can carry. */
    public long offeredFeatures() {
        return negotiation.offered();
    }

    /** The feature bits the driver accepted at FEATURES_OK (0 before). */
    public long negotiatedFeatures() {
        return negotiation.negotiated();
    }

    /** The device-specific configuration space (MAC, link status, max queue pairs, MTU) the transport serves. */
    public NetConfigSpace configSpace() {
        return configSpace;
    }

    /** The control-queue state a backend filters with. */
    public NetControlState controlState() {
        return control;
    }

    /** The device status register (spec 2.1), with DEVICE_NEEDS_RESET set if a backend reported a broken queue since the last read. */
    public synchronized int status() {
        applyPendingFailure();
        return status.read();
    }

    /** Sets DEVICE_NEEDS_RESET for a failure a backend reported since the last status access. */
    private void applyPendingFailure() {
        if (failurePending.getAndSet(false)) {
            status.needsReset();
        }
    }

    /** Whether the driver may write features now (after DRIVER, before FEATURES_OK). */
    public synchronized boolean acceptsFeatureWrites() {
        return status.acceptsFeatureWrites();
    }

    /** Records one 32-bit half of the driver's features; false if outside the feature window. */
    public synchronized boolean driverFeatures(int select, int value) {
        if (!status.acceptsFeatureWrites() || select < 0 || select > 1) {
            return false;
        }
        long v = Integer.toUnsignedLong(value);
        driverFeatures = select == 0 ? (driverFeatures & ~0xffff_ffffL) | v : (driverFeatures & 0xffff_ffffL) | (v << 32);
        return true;
    }

    /** Applies a driver write of the status register. */
    public synchronized StatusTransition writeStatus(int value) {
        applyPendingFailure();
        StatusTransition t = status.write(value);
        if (t == StatusTransition.REJECTED) {
            STATUS_REFUSED.warn("status write refused: {}", value);
        }
        return t;
    }

    /**
     * Sets a queue's size; false (refused) if out of range, ready, or for split rings not a power
     * of two (packed rings, once negotiated, take any size: spec 2.8).
     */
    public synchronized boolean queueSize(int index, int size) {
        QueueSetup q = queue(index);
        return q != null && editable() && q.size(size, packedRings());
    }

    /**
     * Whether the driver negotiated packed rings (VIRTIO_F_RING_PACKED): its queues' sizes need
     * not be powers of two. Features are accepted before the queues are set up (spec 3.1.1) and
     * cannot change until a reset, which puts every size back to the maximum; a size written
     * before FEATURES_OK is judged as a split ring's.
     */
    public synchronized boolean packedRings() {
        return negotiation.has(VirtioFeature.RING_PACKED);
    }

    /** Sets half of a ring address; false if refused. */
    public synchronized boolean queueAddress(int index, QueueSetup.Part part, boolean high, int value) {
        QueueSetup q = queue(index);
        return q != null && editable() && q.address(part, high, value);
    }

    /** QueueReady; false if refused (after DRIVER_OK, or out of range). */
    public synchronized boolean queueReady(int index, boolean ready) {
        QueueSetup q = queue(index);
        if (q == null || !editable()) {
            return false;
        }
        q.ready(ready);
        return true;
    }

    /** Queue setup belongs between FEATURES_OK and DRIVER_OK (spec 3.1.1 step 7). */
    private boolean editable() {
        int s = status.read();
        return (s & DeviceStatus.FEATURES_OK) != 0 && (s & DeviceStatus.DRIVER_OK) == 0;
    }

    /**
     * The driver notified queue {@code index}: the control queue is executed here and now (as
     * QEMU and Firecracker do), a data queue's kick notifier is signalled for the backend.
     *
     * @return false if the index names no live queue
     */
    public boolean notifyQueue(int index) {
        ControlQueueProcessor ctrl;
        synchronized (this) {
            applyPendingFailure();
            if (index < 0 || index >= queues.length || !started[index] || !status.isLive()) {
                return false;
            }
            ctrl = controlQueue;
            if (ctrl != null && index == controlQueueIndex()) {
                boolean interrupt = ctrl.processAvailable();
                if (ctrl.queue().isBroken()) {
                    queueBroken(index);
                    applyPendingFailure();
                } else if (interrupt) {
                    calls[index].signal();
                }
                return true;
            }
        }
        kicks[index].signal();
        return true;
    }

    /** The control queue's index under the negotiated features (spec 5.1.2). */
    public int controlQueueIndex() {
        return negotiation.has(VirtioFeature.NET_MQ) ? 2 * config.maxQueuePairs() : 2;
    }

    /** Asks the driver to announce itself (after migration): STATUS_ANNOUNCE + config interrupt. */
    public synchronized boolean announce() {
        if (!status.isLive() || !negotiation.has(VirtioFeature.NET_GUEST_ANNOUNCE)) {
            return false;
        }
        if (configSpace.updateStatus(NetConfigSpace.STATUS_ANNOUNCE, 0)) {
            configInterrupt();
        }
        return true;
    }

    /** Sets the link state in the config status (and interrupts the driver if it changed). */
    public synchronized void link(boolean up) {
        boolean changed = up ? configSpace.updateStatus(NetConfigSpace.STATUS_LINK_UP, 0)
                : configSpace.updateStatus(0, NetConfigSpace.STATUS_LINK_UP);
        if (changed && status.isLive()) {
            configInterrupt();
        }
    }

    /**
     * A backend (or the control queue) found a queue broken: DEVICE_NEEDS_RESET (spec 2.1.2) and
     * a configuration-change interrupt. Callable from any thread without the device lock; the
     * status bit is applied before the driver can next read the status.
     */
    public void queueBroken(int index) {
        if (!running) {
            return; // a late report from a backend being stopped: the reset already cleared it
        }
        queueFailures.incrementAndGet();
        failurePending.set(true);
        QUEUE_BROKEN.warn("queue {} broken (by the driver, or its position lost with the backend), device needs reset", index);
        configInterrupt();
    }

    private void configInterrupt() {
        InterruptSink s = sink;
        if (s != null) {
            s.configChanged();
        }
    }

    /** Commands of the control queue that ended with {@code result} since its last start. */
    public synchronized long controlResults(ControlResult result) {
        return controlQueue == null ? 0 : controlQueue.results(result);
    }

    /** The control queue's chain counters, or null when it is not running. */
    public synchronized QueueCounters controlQueueCounters() {
        return controlQueue == null ? null : controlQueue.queue().counters();
    }

    /** Queues reported broken since creation. */
    public long queueFailures() {
        return queueFailures.get();
    }

    /** DRIVER_OK writes that could not start the device. */
    public synchronized long startFailures() {
        return startFailures;
    }

    /** Per data queue, the last avail idx the backend reported at its last stop. */
    public synchronized int[] lastStoppedAvailIdx() {
        return lastStoppedAvailIdx.clone();
    }

    /** Stops the backend (if running) and releases the kick notifiers. The backend itself is the VMM's. */
    @Override
    public synchronized void close() {
        stopBackend();
        closeKicks();
    }

    private void closeKicks() {
        for (EventNotifier k : kicks) {
            if (k != null) {
                k.close();
            }
        }
    }

    private void stopBackend() {
        if (backendRunning) {
            backendRunning = false;
            lastStoppedAvailIdx = config.backend().stop();
        }
        running = false;
        failurePending.set(false);
        Arrays.fill(started, false);
    }

    /** Builds and validates the queues, then starts the backend; false puts the device in NEEDS_RESET. */
    private boolean start() {
        long features = negotiation.negotiated();
        boolean eventIdx = VirtioFeature.RING_EVENT_IDX.in(features);
        boolean indirect = VirtioFeature.RING_INDIRECT_DESC.in(features);
        boolean packed = VirtioFeature.RING_PACKED.in(features);
        int pairs = VirtioFeature.NET_MQ.in(features) ? config.maxQueuePairs() : 1;
        List<DataQueue> data = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            QueueSetup rx = queues[2 * p];
            QueueSetup tx = queues[2 * p + 1];
            if (rx.isReady() != tx.isReady() || (p == 0 && !rx.isReady())) {
                return refuseStart("queue pair " + p + " is not set up as a pair (rx ready " + rx.isReady()
                        + ", tx ready " + tx.isReady() + ")");
            }
            for (int i = 2 * p; rx.isReady() && i <= 2 * p + 1; i++) {
                QueueLayout layout = queues[i].layout(eventIdx, indirect, packed);
                String problem = validate(i, layout);
                if (problem != null) {
                    return refuseStart(problem);
                }
                int fresh = DeviceQueue.freshPosition(layout);
                data.add(new DataQueue(i, layout, kicks[i], calls[i], fresh, fresh));
            }
        }
        int ctrlIndex = controlQueueIndex();
        controlQueue = null;
        if (VirtioFeature.NET_CTRL_VQ.in(features) && queues[ctrlIndex].isReady()) {
            QueueLayout layout = queues[ctrlIndex].layout(eventIdx, indirect, packed);
            try {
                DeviceQueue q = new DeviceQueue("ctrl", memory, layout);
                controlQueue = new ControlQueueProcessor(memory, q, control, features, config.maxQueuePairs(),
                        new ControlEffects());
            } catch (VirtqueueException | GuestMemoryException e) {
                return refuseStart("control queue " + ctrlIndex + ": " + e.getMessage());
            }
        }
        try {
            config.backend().start(new NetDataPlane(memory, features, data, control, this::queueBroken));
        } catch (RuntimeException e) {
            if (BACKEND_FAILED.allow()) { // a guest restarting in a loop must not log a stack trace each time
                LOG.warn("backend {} failed to start ({} similar suppressed)", config.backend().name(),
                        BACKEND_FAILED.takeSuppressed(), e);
            }
            controlQueue = null;
            return refuseStart("backend failed: " + e.getMessage());
        }
        backendRunning = true;
        running = true;
        for (DataQueue q : data) {
            started[q.index()] = true;
        }
        if (controlQueue != null) {
            started[ctrlIndex] = true;
        }
        LOG.info("virtio-net {} started: {} data queues, features {}", MacAddress.format(config.mac()),
                data.size(), Features.describe(features));
        return true;
    }

    /** Maps the rings once to prove they lie in guest memory, aligned (the backend maps its own). */
    private String validate(int index, QueueLayout layout) {
        try {
            new DeviceQueue("q" + index, memory, layout);
            return null;
        } catch (VirtqueueException | GuestMemoryException e) {
            return "queue " + index + ": " + e.getMessage();
        }
    }

    private boolean refuseStart(String why) {
        startFailures++;
        START_REFUSED.warn("DRIVER_OK refused: {}", why);
        return false;
    }

    private void resetState() {
        stopBackend();
        controlQueue = null;
        negotiation.reset();
        driverFeatures = 0;
        for (QueueSetup q : queues) {
            q.reset();
        }
        control.reset();
        configSpace.updateStatus(0, NetConfigSpace.STATUS_ANNOUNCE);
        for (EventNotifier k : kicks) {
            k.consume();
        }
    }

    /** The status machine's callbacks; run under the device lock (from writeStatus). */
    private final class Lifecycle implements StatusListener {
        @Override
        public boolean featuresOk() {
            try {
                negotiation.accept(driverFeatures);
                return true;
            } catch (FeatureNegotiationException e) {
                FEATURES_REFUSED.warn("FEATURES_OK refused: {}", e.getMessage());
                return false;
            }
        }

        @Override
        public boolean driverOk() {
            return start();
        }

        @Override
        public void reset() {
            resetState();
        }
    }

    /** What control commands change beyond the filter state. */
    private final class ControlEffects implements ControlQueueProcessor.Effects {
        @Override
        public void announceAcked() {
            if (configSpace.updateStatus(0, NetConfigSpace.STATUS_ANNOUNCE)) {
                configInterrupt();
            }
        }

        @Override
        public void queuePairsChanged(int pairs) {
            LOG.debug("driver uses {} queue pairs", pairs);
            if (!backendRunning) {
                return;
            }
            try {
                config.backend().queuePairsChanged(pairs);
            } catch (RuntimeException e) {
                // The command itself was valid; the backend keeps its previous pairs and says why.
                PAIRS_FAILED.warn("backend could not switch queue pairs: {}", config.backend().name() + " to " + pairs + ": " + e.getMessage());
            }
        }
    }
}
