package io.virtio4j.tap;

import io.virtio4j.api.concurrent.Threads;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetDataPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code tap:} backend: each data queue pair of the device is served by one worker thread
 * and one queue (fd) of a kernel TAP. The TAP is opened when the backend is created and kept
 * until {@link #close()}, as QEMU keeps its TAP fd for the device's life: a driver resets the
 * device at every probe, and closing a non-persistent TAP would delete the interface and its
 * addresses, routes and bridge port with it. {@link #stop()} ends the workers only.
 */
public final class TapNetBackend implements NetBackend {
    private static final Logger LOG = LoggerFactory.getLogger(TapNetBackend.class);

    private final TapDevice tap;
    private final Platform platform;
    private final List<TapQueuePairWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private Arena arena;
    private boolean started;
    private boolean closed;

    TapNetBackend(TapDevice tap, Platform platform) {
        this.tap = tap;
        this.platform = platform;
    }

    /** Opens (creates or attaches to) {@code config}'s TAP. */
    public static TapNetBackend open(TapConfig config, Platform platform) {
        return new TapNetBackend(TapDevice.open(config, platform), platform);
    }

    @Override
    public String name() {
        return TapBackendProvider.NAME;
    }

    /** The TAP interface name (the kernel's choice when none was asked for). */
    public String interfaceName() {
        return tap.name();
    }

    @Override
    public long supportedFeatures() {
        return VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask()
                | VirtioFeature.RING_INDIRECT_DESC.mask() | VirtioFeature.RING_PACKED.mask() | VirtioFeature.NET_MRG_RXBUF.mask()
                | tap.capabilities().offerableFeatures();
    }

    @Override
    public int maxQueuePairs() {
        return tap.queueCount();
    }

    @Override
    public synchronized void start(NetDataPlane plane) {
        if (closed) {
            throw new TapException("TAP " + tap.name() + ": backend is closed", 0);
        }
        if (started) {
            throw new TapException("TAP " + tap.name() + ": backend already started", 0);
        }
        if (!plane.has(VirtioFeature.VERSION_1)) {
            // The TAP's header size is fixed at 12 (TUNSETVNETHDRSZ); a legacy 10-byte header is not served.
            throw new TapException("TAP " + tap.name() + ": the driver did not accept VERSION_1", 0);
        }
        List<DataQueue> queues = plane.queues();
        int pairs = queues.size() / 2;
        if (queues.size() % 2 != 0 || pairs == 0 || pairs > tap.queueCount()) {
            throw new TapException("TAP " + tap.name() + ": " + queues.size() + " data queues, the TAP serves 1.."
                    + tap.queueCount() + " pairs", 0);
        }
        for (DataQueue q : queues) {
            if (q.kick().fd() < 0) {
                throw new TapException("TAP " + tap.name() + ": queue " + q.index() + "'s kick has no fd to poll", 0);
            }
        }
        if (tap.capabilities().vnetHeader()) {
            tap.setOffloads(OffloadMapper.tunOffloads(plane.features()));
        }
        // Spec 5.1.6.5.5: until VQ_PAIRS_SET the driver uses the first pair only.
        int active = Math.max(1, Math.min(pairs, plane.control().activeQueuePairs()));
        tap.useQueues(active);
        boolean guestGso = plane.has(VirtioFeature.NET_GUEST_TSO4) || plane.has(VirtioFeature.NET_GUEST_TSO6)
                || plane.has(VirtioFeature.NET_GUEST_UFO) || plane.has(VirtioFeature.NET_GUEST_USO4);
        arena = Arena.ofShared();
        try {
            for (int p = 0; p < pairs; p++) {
                DataQueue rx = queues.get(2 * p);
                DataQueue tx = queues.get(2 * p + 1);
                if (!rx.isReceive() || tx.isReceive() || rx.pair() != tx.pair()) {
                    throw new TapException("TAP " + tap.name() + ": queues " + rx.index() + "/" + tx.index()
                            + " are not an rx/tx pair", 0);
                }
                TapQueuePairWorker worker = new TapQueuePairWorker(plane.memory(), rx, tx, tap.queue(p),
                        tap.capabilities().vnetHeader(), guestGso, plane.has(VirtioFeature.NET_MRG_RXBUF), plane.failures(),
                        arena, platform);
                worker.receiveEnabled(p < active);
                workers.add(worker);
            }
        } catch (RuntimeException e) {
            releaseWorkers();
            throw e;
        }
        for (int p = 0; p < workers.size(); p++) {
            Thread thread = Thread.ofPlatform().name("tap-" + tap.name() + "-q" + p).daemon().unstarted(workers.get(p));
            threads.add(thread);
            thread.start();
        }
        started = true;
        LOG.info("TAP {}: started {} queue pair(s), features 0x{}", tap.name(), pairs, Long.toHexString(plane.features()));
    }

    /**
     * The kernel steers flows over every attached TAP queue: detach the ones whose pair the driver
     * does not use (or no worker reads), or their frames would sit there until the TAP drops them.
     */
    @Override
    public synchronized void queuePairsChanged(int pairs) {
        if (!started || pairs < 1 || pairs > workers.size()) {
            throw new TapException("TAP " + tap.name() + ": " + pairs + " queue pairs asked, " + workers.size() + " running", 0);
        }
        // Stop reading the queues being detached before detaching them; attach before reading.
        for (int p = pairs; p < workers.size(); p++) {
            workers.get(p).receiveEnabled(false);
        }
        tap.useQueues(pairs);
        for (int p = 0; p < pairs; p++) {
            workers.get(p).receiveEnabled(true);
        }
        LOG.info("TAP {}: receiving on {} of {} queue pair(s)", tap.name(), pairs, workers.size());
    }

    @Override
    public synchronized int[] stop() {
        if (!started) {
            throw new TapException("TAP " + tap.name() + ": stop without start", 0);
        }
        for (TapQueuePairWorker worker : workers) {
            worker.requestStop();
        }
        for (Thread thread : threads) {
            Threads.joinUninterruptibly(thread);
        }
        int[] lastAvail = new int[workers.size() * 2];
        for (int p = 0; p < workers.size(); p++) {
            lastAvail[2 * p] = workers.get(p).rxLastAvailIdx();
            lastAvail[2 * p + 1] = workers.get(p).txLastAvailIdx();
            LOG.info("TAP {} pair {}: {}", tap.name(), p, workers.get(p).stats());
        }
        releaseWorkers();
        started = false;
        return lastAvail;
    }

    private void releaseWorkers() {
        for (TapQueuePairWorker worker : workers) {
            worker.close();
        }
        workers.clear();
        threads.clear();
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /** The counters of pair {@code pair} while started. */
    public synchronized TapDataPathStats stats(int pair) {
        if (!started || pair < 0 || pair >= workers.size()) {
            throw new TapException("TAP " + tap.name() + ": no running queue pair " + pair, 0);
        }
        return workers.get(pair).stats();
    }

    /** The TAP queue counters (reads, writes, errors at the fd). */
    public TapQueueStats queueStats(int queue) {
        return tap.queue(queue).stats();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (started) {
            stop();
        }
        closed = true;
        tap.close();
    }
}
