package io.virtio4j.vhostnet;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.tap.OffloadMapper;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.TapException;
import io.virtio4j.vhostnet.bindings.VhostRequests;

/**
 * The {@code vhost-net:} backend: the kernel's vhost worker runs the rings. Per queue pair one
 * {@code /dev/vhost-net} moves frames between the guest's rings and one queue of a TAP; this
 * process only sets it up, and with KVM (kick = ioeventfd, call = irqfd) sees none of the traffic.
 *
 * <p>The TAP is opened with IFF_VNET_HDR and a 12-byte header and kept for the backend's life (a
 * driver resets the device at every probe; closing the TAP would delete the interface). The
 * kernel's features are read once at open, so {@link #supportedFeatures()} can answer before any
 * start; each start opens fresh vhost devices and each stop closes them.
 */
public final class VhostNetBackend implements NetBackend {
    private static final Logger LOG = LoggerFactory.getLogger(VhostNetBackend.class);

    /**
     * The negotiated bits the kernel's rings act on; everything else (offloads, MAC, control
     * queue...) is the device model's or the TAP's business and is not passed to SET_FEATURES.
     */
    static final long RING_FEATURES = Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX,
            VirtioFeature.RING_INDIRECT_DESC, VirtioFeature.NET_MRG_RXBUF, VirtioFeature.NOTIFY_ON_EMPTY);
    /**
     * {@code VHOST_BACKEND_F_IOTLB_MSG_V2}: asked for when offered, as QEMU does; it only changes
     * the IOTLB message format, which matters once ACCESS_PLATFORM is used.
     */
    static final long BACKEND_FEATURES_WANTED = 1L << VhostRequests.BACKEND_F_IOTLB_MSG_V2;

    private final TapDevice tap;
    private final VhostDeviceOpener opener;
    private final Platform platform;
    private final long kernelFeatures;
    private final long kernelBackendFeatures;
    private final List<VhostQueuePair> pairs = new ArrayList<>();
    private VringSignals signals;
    private boolean started;
    private boolean closed;

    VhostNetBackend(TapDevice tap, VhostDeviceOpener opener, Platform platform, long kernelFeatures, long kernelBackendFeatures) {
        this.tap = tap;
        this.opener = opener;
        this.platform = platform;
        this.kernelFeatures = kernelFeatures;
        this.kernelBackendFeatures = kernelBackendFeatures;
    }

    /**
     * Reads the kernel's vhost-net features, then opens (creates or attaches to) {@code tap}; it
     * must have the virtio-net header ({@link TapConfig#of} does).
     */
    public static VhostNetBackend open(TapConfig tap, Platform platform) {
        return open(tap, () -> VhostNetDevice.open(platform), platform, tapConfig -> TapDevice.open(tapConfig, platform));
    }

    /** Opens through the given openers (tests pass mocked ones); on failure nothing stays open. */
    static VhostNetBackend open(TapConfig tapConfig, VhostDeviceOpener opener, Platform platform, TapOpener tapOpener) {
        long features;
        OptionalLong backendFeatures;
        // Probe before creating the TAP: without /dev/vhost-net there is nothing to attach it to.
        try (VhostNetDevice probe = opener.open()) {
            features = probe.features();
            backendFeatures = probe.backendFeatures();
        }
        if (!VirtioFeature.VERSION_1.in(features)) {
            throw new VhostException("this kernel's vhost-net lacks VIRTIO_F_VERSION_1 (features 0x" + Long.toHexString(features)
                    + "); the TAP's 12-byte virtio-net header needs it");
        }
        TapDevice tap = tapOpener.open(tapConfig);
        if (!tap.capabilities().vnetHeader()) {
            tap.close();
            throw new VhostException("TAP " + tap.name() + " has no virtio-net header; vhost-net passes the guest's header through it");
        }
        LOG.info("vhost-net on TAP {}: kernel features 0x{}, backend features {}", tap.name(), Long.toHexString(features),
                backendFeatures.isPresent() ? "0x" + Long.toHexString(backendFeatures.getAsLong()) : "not offered");
        return new VhostNetBackend(tap, opener, platform, features, backendFeatures.orElse(-1));
    }

    /** Opens a TAP (so tests can open one over mocked ioctls). */
    @FunctionalInterface
    interface TapOpener {
        TapDevice open(TapConfig config);
    }

    @Override
    public String name() {
        return VhostNetBackendProvider.NAME;
    }

    /** The TAP interface's name. */
    public String interfaceName() {
        return tap.name();
    }

    /** The features VHOST_GET_FEATURES reported at open. */
    public long kernelFeatures() {
        return kernelFeatures;
    }

    @Override
    public long supportedFeatures() {
        return (kernelFeatures & RING_FEATURES) | tap.capabilities().offerableFeatures();
    }

    @Override
    public int maxQueuePairs() {
        return tap.queueCount();
    }

    @Override
    public synchronized void start(NetDataPlane plane) {
        if (closed) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": backend is closed");
        }
        if (started) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": backend already started");
        }
        List<DataQueue> queues = checkQueues(plane);
        long vhostFeatures = plane.features() & RING_FEATURES;
        long lacking = vhostFeatures & ~kernelFeatures;
        if (lacking != 0) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": the driver negotiated " + Features.describe(lacking)
                    + ", which this kernel's vhost-net lacks");
        }
        int pairCount = queues.size() / 2;
        try {
            tap.setOffloads(OffloadMapper.tunOffloads(plane.features()));
            tap.useQueues(pairCount);
        } catch (TapException e) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": preparing the TAP failed", e);
        }
        signals = VringSignals.start(queues, plane.failures(), platform, tap.name());
        long backendFeatures = kernelBackendFeatures < 0 ? -1 : kernelBackendFeatures & BACKEND_FEATURES_WANTED;
        try {
            for (int p = 0; p < pairCount; p++) {
                pairs.add(VhostQueuePair.start(opener, vhostFeatures, backendFeatures, plane.memory(),
                        queues.get(2 * p), queues.get(2 * p + 1), signals, 2 * p, tap.queue(p).fd()));
            }
        } catch (RuntimeException e) {
            for (VhostQueuePair pair : pairs) {
                pair.close();
            }
            pairs.clear();
            signals.close();
            signals = null;
            throw e;
        }
        started = true;
        LOG.info("vhost-net on TAP {}: {} queue pair(s) started, vhost features 0x{}", tap.name(), pairCount,
                Long.toHexString(vhostFeatures));
    }

    private List<DataQueue> checkQueues(NetDataPlane plane) {
        if (!plane.has(VirtioFeature.VERSION_1)) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": the driver did not accept VERSION_1"
                    + " (the TAP's header is the 12-byte one)");
        }
        List<DataQueue> queues = plane.queues();
        int pairCount = queues.size() / 2;
        if (queues.size() % 2 != 0 || pairCount == 0 || pairCount > tap.queueCount()) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": " + queues.size() + " data queues, the TAP serves 1.."
                    + tap.queueCount() + " pairs");
        }
        for (int p = 0; p < pairCount; p++) {
            DataQueue rx = queues.get(2 * p);
            DataQueue tx = queues.get(2 * p + 1);
            if (!rx.isReceive() || tx.isReceive() || rx.pair() != tx.pair()) {
                throw new VhostException("vhost-net on TAP " + tap.name() + ": queues " + rx.index() + "/" + tx.index()
                        + " are not an rx/tx pair");
            }
        }
        for (DataQueue q : queues) {
            if (q.kick().fd() < 0) {
                throw new VhostException("vhost-net on TAP " + tap.name() + ": queue " + q.index()
                        + "'s kick notifier has no fd; the kernel worker can only wait on an eventfd");
            }
        }
        return queues;
    }

    @Override
    public synchronized int[] stop() {
        if (!started) {
            throw new VhostException("vhost-net on TAP " + tap.name() + ": stop without start");
        }
        started = false;
        int[] lastAvail = new int[pairs.size() * 2];
        VhostException first = null;
        for (VhostQueuePair pair : pairs) {
            try {
                int[] rings = pair.stop();
                lastAvail[2 * pair.pair()] = rings[0];
                lastAvail[2 * pair.pair() + 1] = rings[1];
            } catch (VhostException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        pairs.clear();
        signals.close();
        LOG.info("vhost-net on TAP {}: stopped at avail indices {}, {} ring error report(s), {} call(s) relayed", tap.name(),
                java.util.Arrays.toString(lastAvail), signals.ringErrors(), signals.callsRelayed());
        signals = null;
        if (first != null) {
            throw first;
        }
        return lastAvail;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (started) {
                stop();
            }
        } finally {
            closed = true;
            tap.close();
        }
    }
}
