package io.virtio4j.ovs.control;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.virtio4j.ovs.datapath.CaptureHooks;
import io.virtio4j.ovs.datapath.CaptureSlot;
import io.virtio4j.ovs.datapath.PortCapture;

import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code ctl capture}: attaches a {@link PortCapture} to its port, and on its own thread
 * drains the capture's ring into a {@link PcapFile} until the frame count or the time limit is
 * reached (or {@link #stop()}, or the port leaves the switch: state {@code port-removed}), then
 * detaches and closes the file. It attaches by port name, so it goes on recording its port across
 * a live reconfiguration that keeps the port. The PMDs only ever copy into the ring; every file
 * write happens here.
 */
final class CaptureSession {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureSession.class);
    /** 4 MiB of ring per capture: about 2,700 full-size frames, or 50,000 small ones, between drains. */
    static final int RING_BYTES = 1 << 22;
    private static final int DRAIN_LIMIT = 1024;
    /** How long the writer waits after detaching for a PMD still copying a burst it began before. */
    private static final long DETACH_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final CaptureRequest request;
    /** The port's slot, once attached; retired when the port is removed. */
    private volatile CaptureSlot slot;
    private final PortCapture capture;
    private final PcapFile file;
    private final long deadline;
    private final byte[] scratch = new byte[PcapFile.SNAPLEN];
    private final Thread writer;
    private volatile boolean stopRequested;
    private volatile long frames;
    private volatile long bytes;
    private volatile String state = "running";

    private CaptureSession(CaptureRequest request, PcapFile file) {
        this.request = request;
        this.file = file;
        long wallNanos = Instant.now().getEpochSecond() * 1_000_000_000L + Instant.now().getNano();
        this.capture = new PortCapture(request.directions(), RING_BYTES, wallNanos - System.nanoTime());
        this.deadline = System.nanoTime() + request.seconds().toNanos();
        this.writer = Thread.ofPlatform().name("virtio4j-capture-" + request.port()).daemon().unstarted(this::run);
    }

    /** Opens the file and attaches to the port; a port already captured or a file that cannot be created is refused. */
    private static ControlException busy(CaptureRequest request) {
        return new ControlException("port " + request.port() + " is being captured already; wait for that capture to"
                + " end (ctl captures)");
    }

    static CaptureSession start(CaptureRequest request, CaptureHooks hooks) {
        // Before the file is opened (which truncates it): a refused capture must leave an existing
        // file as it was. The control socket serves one request at a time, so this answer holds.
        if (hooks.slot(request.port()).current() != null) {
            throw busy(request);
        }
        PcapFile file;
        try {
            file = PcapFile.create(request.file());
        } catch (IOException e) {
            throw new ControlException("cannot write " + request.file() + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); check that its directory exists and the switch may write there");
        }
        CaptureSession session = new CaptureSession(request, file);
        session.slot = hooks.attach(request.port(), session.capture);
        if (session.slot == null) {
            // Taken since the check above (a capture started from Java code): the file was ours to
            // write, so it is left (empty of frames) rather than deleted, which could be /dev/null.
            try {
                file.close();
            } catch (IOException ignored) {
                // Nothing was written to it.
            }
            throw busy(request);
        }
        session.writer.start();
        LOG.info("capture of port {} ({}) to {} started: up to {} frames or {} s", request.port(), request.direction(),
                request.file(), request.count(), request.seconds().toSeconds());
        return session;
    }

    private void run() {
        try {
            while (!stopRequested && frames < request.count() && System.nanoTime() - deadline < 0 && !slot.retired()) {
                if (capture.drain(this::record, DRAIN_LIMIT) == 0) {
                    LockSupport.parkNanos(1_000_000L);
                }
            }
            // Ended by its port leaving, not by its count, time or a stop (those come first if both).
            boolean removed = slot.retired() && !stopRequested && frames < request.count()
                    && System.nanoTime() - deadline < 0;
            slot.compareAndSet(capture, null);
            LockSupport.parkNanos(DETACH_GRACE_NANOS);
            while (frames < request.count() && capture.drain(this::record, DRAIN_LIMIT) > 0) {
                // What the PMDs copied before the detach.
            }
            file.close();
            // Retired: no PMD polls the port any more, so what the ring held is all there is.
            state = removed ? "port-removed" : "done";
        } catch (IOException | RuntimeException e) {
            slot.compareAndSet(capture, null);
            state = "failed";
            LOG.warn("capture of port {} to {} failed: {}", request.port(), request.file(), e.toString());
            try {
                file.close();
            } catch (IOException ignored) {
                // Already reported.
            }
        }
        LOG.info("capture of port {} to {} ended ({}): {} frames, {} bytes, {} not captured", request.port(),
                request.file(), state, frames, bytes, capture.dropped());
    }

    private void record(int direction, DirectBuffer buffer, int index, int length) {
        if (frames >= request.count()) {
            return;
        }
        long timestamp = buffer.getLong(index);
        int frameLength = buffer.getInt(index + 8);
        int captured = Math.min(frameLength, scratch.length);
        buffer.getBytes(index + PortCapture.RECORD_HEADER, scratch, 0, captured);
        try {
            file.write(timestamp, scratch, captured);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        frames++;
        bytes += captured;
    }

    /** Asks the writer to finish now (the switch is stopping); waits up to a second for it. */
    void stop() {
        stopRequested = true;
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the writer is still running. */
    boolean running() {
        return writer.isAlive();
    }

    /** Waits up to {@code millis} for the writer to end. */
    void await(long millis) throws InterruptedException {
        writer.join(millis);
    }

    CaptureRequest request() {
        return request;
    }

    /** One row of {@code ctl captures}. */
    Object[] row() {
        return new Object[] {request.port(), request.direction(), running() ? "running" : state, frames, bytes,
                capture.dropped(), request.file().toString()};
    }
}
