package io.virtio4j.ovs.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.offload.FrameSink;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.TapException;
import io.virtio4j.tap.TapQueue;

/**
 * A port on a kernel TAP device (queue 0, 12-byte vnet header, no offloads: a guest's offloaded
 * frame is checksummed and segmented by {@link io.virtio4j.ovs.offload.SoftwareOffload} before it is written). Receive: one readv
 * per frame into one of a burst's buffers, allocated once per port (the kernel's one copy), handed
 * on in place. Transmit: one
 * writev straight from the source frame's buffers (guest memory or a host buffer), behind a zero
 * vnet header and, when the switch rewrote the header, the rewritten copy as its own iovec.
 */
public final class TapPort extends EdgeTriggeredPort {
    /** iovecs per writev: vnet header, rewritten head, and the source frame's pieces. */
    private static final int TX_IOVECS = 64;

    private final PortSpec spec;
    private final TapDevice device;
    private final boolean owned;
    private final TapQueue queue;
    private final Arena arena;
    /** A burst's receive buffers (vnet header + frame each), their iovecs and frames. */
    private final MemorySegment[] rxBuffers = new MemorySegment[FrameBatch.SIZE];
    private final IovecArray[] rxIovecs = new IovecArray[FrameBatch.SIZE];
    private final HostFrame[] rxFrames = new HostFrame[FrameBatch.SIZE];
    private final MemorySegment zeroHeader;
    private final IovecArray txIovecs;
    /**
     * The kernel gets complete frames behind a zero vnet header: a guest's partial checksum or
     * super-frame is completed and segmented by the batch's software offload first, and each piece
     * written with this port's own writev.
     */
    private final FrameSink sink = (target, frame, head, headLength, resume) -> write(frame, head, headLength, resume);

    /**
     * A port over an open {@code device}; with {@code owned} the port closes it (and the kernel
     * removes a non-persistent TAP with its last fd).
     */
    public TapPort(PortSpec spec, TapDevice device, boolean owned) {
        super(acceptedName(spec, device), "TAP fd");
        this.spec = spec;
        this.device = device;
        this.owned = owned;
        this.queue = device.queue(0);
        // Created only once the device is accepted: a refused device leaves no arena behind.
        this.arena = Arena.ofShared();
        for (int i = 0; i < FrameBatch.SIZE; i++) {
            rxBuffers[i] = arena.allocate(VirtioNetHeader.SIZE + MAX_FRAME, 64);
            rxIovecs[i] = new IovecArray(arena, 1);
            // In bounds: the one iovec covers exactly its buffer; the kernel truncates a longer frame to it.
            rxIovecs[i].set(0, rxBuffers[i], rxBuffers[i].byteSize());
            rxFrames[i] = new HostFrame();
        }
        this.zeroHeader = arena.allocate(VirtioNetHeader.SIZE, 8);
        this.txIovecs = new IovecArray(arena, TX_IOVECS);
        // In bounds: iovec 0 is the whole zeroed header segment, for every frame.
        txIovecs.set(0, zeroHeader, VirtioNetHeader.SIZE);
    }

    /** The port's name, once {@code device} is one it can use (opened with the vnet header). */
    private static String acceptedName(PortSpec spec, TapDevice device) {
        if (!device.capabilities().vnetHeader()) {
            throw new PortException("port " + spec.name() + ": TAP " + device.name() + " was opened without the vnet header");
        }
        return spec.name();
    }

    /** Attaches to (or creates) the TAP named by the spec's target; the port owns the fd. */
    public static TapPort attach(PortSpec spec) {
        return new TapPort(spec, openTap(spec, false), true);
    }

    static TapDevice openTap(PortSpec spec, boolean exclusive) {
        try {
            return TapDevice.open(new TapConfig(spec.target(), 1, exclusive, true), Platform.linux());
        } catch (TapException e) {
            throw new PortException("port " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    /** The device's interface name. */
    public String interfaceName() {
        return device.name();
    }

    @Override
    public long deviceDrops() {
        return queue.stats().readErrors() + queue.stats().writeErrors();
    }

    @Override
    public int receive(FrameBatch batch) {
        int n = 0;
        while (batch.room() > 0) {
            int slot = batch.count();
            long bytes;
            try {
                bytes = queue.read(rxIovecs[slot], 1);
            } catch (TapException e) {
                // Counted and rate-limit logged by the queue; the PMD polls on.
                return n;
            }
            if (bytes == Platform.WOULD_BLOCK) {
                break;
            }
            long length = bytes - VirtioNetHeader.SIZE;
            if (length <= 0) {
                continue;
            }
            batch.add(rxFrames[slot].set(rxBuffers[slot], VirtioNetHeader.SIZE, length));
            n++;
        }
        return n;
    }

    /** One writev per frame (the kernel takes each by itself), under the port's lock once per burst. */
    @Override
    public synchronized void transmit(TxBatch batch) {
        for (int i = 0; i < batch.count() && !isClosed(); i++) {
            batch.send(i, sink);
        }
    }

    private boolean write(Frame frame, MemorySegment head, int headLength, long resume) {
        int next = 1;
        if (headLength > 0) {
            // In bounds: IovecArray.set checks headLength against the head segment's size.
            txIovecs.set(next++, head, headLength);
        }
        int count = frame.mapIovecs(txIovecs, next, resume);
        if (count < 0) {
            return false;
        }
        try {
            return queue.write(txIovecs, count) != Platform.WOULD_BLOCK;
        } catch (TapException e) {
            // Link down (EIO) or a bad frame: counted by the queue, dropped here.
            return false;
        }
    }

    @Override
    protected int wakeupFd() {
        return queue.fd();
    }

    @Override
    protected void closeResources() {
        try {
            if (owned) {
                device.close();
            }
        } finally {
            arena.close();
        }
    }
}
